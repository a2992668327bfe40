// `virtuoso console`: watch and steer a running simulation from a browser.
export { startConsole, type ConsoleOptions, type RunningConsole } from "./server.js";
