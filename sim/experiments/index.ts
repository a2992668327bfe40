/** Runs the experiment a scenario carries. */
import type { Scenario } from "../scenario/index.js";
import { bspRate } from "./bsp-rate.js";
import type { ExperimentResult } from "./cells.js";
import { missGrid } from "./miss-grid.js";
import { missTimes } from "./miss-times.js";
import { mix } from "./mix.js";
import { adaptAlgorithms, adaptModes } from "./vadapt.js";
import { vttifPatterns, vttifReactivity } from "./vttif.js";
import { wrenAccuracy } from "./wren.js";

export { experimentSchema, type ExperimentSpec } from "./schema.js";
export type { ExperimentResult } from "./cells.js";
export { logspace } from "./miss-grid.js";
export { windowRates } from "./bsp-rate.js";
export { expectedTopology } from "./vttif.js";
export { paperFigures, type PaperFigure } from "./figures.js";

export function runExperiment(s: Scenario): ExperimentResult {
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
  }
}
