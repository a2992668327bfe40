// `virtuoso console`: watch and steer a running simulation, or a live run, from a browser.
export { startConsole, type ConsoleOptions, type RunningConsole } from "./server.js";
export { startLiveConsole, type LiveConsoleOptions } from "./live.js";
