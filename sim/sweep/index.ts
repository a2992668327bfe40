export { sweep, prepare, writeTables, type SweepOptions, type RunRecord } from "./sweep.js";
export { submit, runTask, collect, pending } from "./slurm.js";
export { plan, parseGrid, deriveSeed, type GridAxis, type PlannedRun } from "./plan.js";
