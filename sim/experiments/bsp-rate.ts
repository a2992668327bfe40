/**
 * A BSP application's superstep rate over time under several variants of one scenario, e.g.
 * fair sharing against VSched reservations when external load lands on one node (SC 2005).
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { chart } from "../../analysis/chart.js";
import type { BspApp } from "../workload/index.js";
import type { Scenario } from "../scenario/index.js";
import { Cells, result, variant, type ExperimentResult } from "./cells.js";
import type { VariantsSpec } from "./schema.js";

/** Supersteps finished in each window, per second. */
export function windowRates(steps: { end: number }[], duration: number, window: number): [number, number][] {
  const n = Math.floor(duration / window);
  const counts = new Array<number>(n).fill(0);
  for (const s of steps) {
    const k = Math.floor(s.end / window);
    if (Number.isFinite(s.end) && k < n) counts[k]++;
  }
  return counts.map((c, k) => [(k + 0.5) * window, c / window]);
}

export function bspRate(base: Scenario, spec: VariantsSpec): ExperimentResult {
  const cells = new Cells();
  const rows: { variant: string; t: number; rate: number }[] = [];
  const metrics: Record<string, Record<string, number>> = {};
  const series = spec.variants.map((v) => {
    const r = cells.run(variant(base, v.set));
    const steps = (r.models.get(spec.app) as BspApp).steps;
    const rates = windowRates(steps, base.duration, spec.window);
    for (const [t, rate] of rates) rows.push({ variant: v.name, t, rate });
    const after = rates.filter(([t]) => t > (spec.markers[0]?.at ?? 0)).map(([, x]) => x);
    const mean = after.reduce((a, b) => a + b, 0) / after.length;
    const sd = Math.sqrt(after.reduce((a, b) => a + (b - mean) ** 2, 0) / after.length);
    metrics[v.name] = { mean_rate: mean, rate_cv: mean > 0 ? sd / mean : NaN, supersteps: steps.filter((s) => Number.isFinite(s.end)).length };
    return { name: v.name, points: rates };
  });
  const title = `${spec.app}: superstep rate${spec.markers.length ? ` (${spec.markers.map((m) => `${m.label} at ${m.at} s`).join(", ")})` : ""}`;
  const files = {
    "rates.csv": toCsv(recordsToRows(rows, ["variant", "t", "rate"])),
    "rates.svg": chart({ title, x: { label: "time (s)" }, y: { label: `supersteps per second (${spec.window} s windows)` }, series }),
  };
  return result(base, cells, metrics, files);
}
