export { World, type WorldOptions, type SchedulerFactory } from "./world.js";
export { Activity, COMPLETION_PRIORITY } from "./activity.js";
export * from "./host/index.js";
export * from "./network/index.js";
export * from "./overlay/index.js";
export * from "./migration/index.js";
export * from "./vm/index.js";
export { SimCpuControl, SimTrafficTap, SimNetControl, SimMessenger, SimLightpaths, type Reservable } from "./ports.js";
export { SimAvailabilitySensor, SimLoadSensor } from "./sensors.js";
