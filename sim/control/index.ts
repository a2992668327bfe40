export { RateController, type RateApp, type RateControlParams, type ControlRecord } from "./rate.js";
export { rateControlSchema, type RateControlSpec } from "./schema.js";
export { AdaptLoop, type Decision, type AdaptPorts } from "./adapt.js";
export { adaptSchema, type AdaptSpec } from "./adapt-schema.js";
export { VReserve, vreserveSchema, type VReserveSpec, type LightpathEvent } from "./vreserve.js";
