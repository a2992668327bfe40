/** Runs the experiment a scenario carries. */
import type { Scenario } from "../scenario/index.js";
import { bspRate } from "./bsp-rate.js";
import { withDryCells, type ExperimentResult } from "./cells.js";
import { limits, ScenarioError } from "../scenario/index.js";
import { missGrid } from "./miss-grid.js";
import { missTimes } from "./miss-times.js";
import { mix } from "./mix.js";
import { adaptAlgorithms, adaptModes } from "./vadapt.js";
import { vttifPatterns, vttifReactivity } from "./vttif.js";
import { wrenAccuracy } from "./wren.js";
import { prediction } from "./prediction.js";
import { userPopulation } from "./user.js";
import { uucsPopulation } from "./uucs.js";

export { experimentSchema, type ExperimentSpec } from "./schema.js";
export type { ExperimentResult } from "./cells.js";
export { logspace } from "./miss-grid.js";
export { windowRates } from "./bsp-rate.js";
export { expectedTopology } from "./vttif.js";
export { paperFigures, type PaperFigure } from "./figures.js";

/**
 * Problems with an experiment's variants, found before it runs: each cell is validated as the
 * experiment builds it and simulated for an instant, and the cells' estimated work is summed.
 * Errors other than invalid cells in this dry pass (figures drawn from empty runs) are not
 * the scenario's fault and are ignored. Experiments that run no cells are checked by schema.
 */
export function experimentProblems(s: Scenario, maxEvents = limits.events, baseDir = "."): string[] {
  if (!s.experiment || s.experiment.kind === "vadapt-algorithms") return [];
  const { error, events } = withDryCells(() => runExperiment(s, baseDir));
  if (error instanceof ScenarioError) return error.problems.map((p) => (p.startsWith("experiment") ? p : `experiment: a variant it runs is invalid: ${p}`));
  if (events > maxEvents) {
    return [`experiment: its runs would process about ${events.toExponential(1).replace("e+", "e")} events, more than the limit of ${maxEvents.toExponential(1).replace("e+", "e")}; use fewer or shorter cells, or pass --max-events ${Math.ceil(events * 1.1).toExponential(1).replace("e+", "e")} if it is meant`];
  }
  return [];
}

/** `baseDir`: where files the experiment names (e.g. a load trace) are found. */
export function runExperiment(s: Scenario, baseDir = "."): ExperimentResult {
  const e = s.experiment;
  if (!e) throw new Error(`${s.name} has no experiment`);
  switch (e.kind) {
    case "vsched-miss-grid":
      return missGrid(s, e);
    case "vsched-miss-times":
      return missTimes(s, e);
    case "vsched-mix":
      return mix(s, e);
    case "bsp-rate-variants":
      return bspRate(s, e);
    case "vttif-patterns":
      return vttifPatterns(s, e);
    case "vttif-reactivity":
      return vttifReactivity(s, e);
    case "wren-accuracy":
      return wrenAccuracy(s, e);
    case "vadapt-modes":
      return adaptModes(s, e);
    case "vadapt-algorithms":
      return adaptAlgorithms(s, e);
    case "prediction":
      return prediction(s, e, baseDir);
    case "user-population":
      return userPopulation(s, e);
    case "uucs-population":
      return uucsPopulation(s, e);
  }
}
