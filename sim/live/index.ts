export { monotonicSeconds, peakRssMb } from "./wall.js";
export { WallClock } from "./wallclock.js";
export { runLive, LiveUnavailable, type LiveResult, type LiveOptions, type LiveProgress } from "./run.js";
export { probe, cgroupRoot, MachineTooLoaded, LATENESS_TOLERANCE, type BackendName } from "./backends.js";
export { WORKER_MARK, workerMark } from "./procs.js";
export { ProcLoadSensor, ThreadAvailability, cpuTimes, loadAverage, recordLoad } from "./sensors.js";
export { LoadSeries, type LoadRow } from "./load-series.js";
