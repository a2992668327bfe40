export { monotonicSeconds, peakRssMb } from "./wall.js";
export { WallClock } from "./wallclock.js";
export { runLive, LiveUnavailable, type LiveResult } from "./run.js";
export { probe, cgroupRoot, type BackendName } from "./backends.js";
export { WORKER_MARK } from "./procs.js";
