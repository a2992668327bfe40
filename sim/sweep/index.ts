export { sweep, type SweepOptions, type RunRecord } from "./sweep.js";
export { plan, parseGrid, deriveSeed, type GridAxis, type PlannedRun } from "./plan.js";
