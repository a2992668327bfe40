// The seam between policies and the world they run in: the simulator and live mode
// each implement these; policies see nothing else.
export type { Clock, TimerId } from "./clock.js";
export type { CpuControl, Reservation, Admission } from "./cpu.js";
export type { TrafficTap, TrafficSample, TransferObservation, TransferSource, Messenger } from "./traffic.js";
export type { CpuDispatch, DispatchTarget } from "./dispatch.js";
export type { NetControl, Placement, MigrationNotice, Lightpaths } from "./net.js";
export type { AvailabilitySensor, BackgroundSensor, LoadSensor, PathSensor } from "./sensors.js";
export type { ResponseTap } from "./response.js";
