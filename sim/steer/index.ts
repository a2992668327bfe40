// Steering a run by hand, recorded as actions at simulated times so it replays exactly.
export { actionSchema, type Action } from "./schema.js";
export { installSteering, actionTarget, STEER, type Steering } from "./install.js";
