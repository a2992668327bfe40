export { RateController, type RateApp, type RateControlParams, type ControlRecord } from "./rate.js";
export { rateControlSchema, type RateControlSpec } from "./schema.js";
