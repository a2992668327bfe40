export { runScenario, type Summary, type RunOptions, type RunResult } from "./run.js";
