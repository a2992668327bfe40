export { runScenario, outputProblems, type Summary, type RunOptions, type RunResult } from "./run.js";
export { provenance, scenarioHash, toolVersion, gitCommit, commandLine, type Provenance } from "./provenance.js";
