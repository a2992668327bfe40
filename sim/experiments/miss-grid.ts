/**
 * VSched's central figure (SC 2005): deadline miss rate over a grid of (period, slice), one
 * reserved CPU-bound VM beside a batch VM, for each kernel timer profile.
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { heatmap } from "../../analysis/heatmap.js";
import type { Scenario } from "../scenario/index.js";
import { Cells, hostOf, result, variant, type ExperimentResult } from "./cells.js";
import type { MissGridSpec } from "./schema.js";

export function logspace(min: number, max: number, count: number): number[] {
  if (count === 1) return [min];
  return Array.from({ length: count }, (_, i) => Number((min * (max / min) ** (i / (count - 1))).toPrecision(4)));
}

export function missGrid(base: Scenario, spec: MissGridSpec): ExperimentResult {
  const cells = new Cells();
  const periods = logspace(spec.periods.min, spec.periods.max, spec.periods.count);
  const rows: { profile: string; period_s: number; slice_s: number; utilization: number; miss_rate: number }[] = [];
  for (const profile of spec.profiles) {
    for (const period of periods) {
      for (const frac of spec.sliceFractions) {
        const slice = period * frac;
        const s = variant(base, [], (doc) => {
          Object.assign(hostOf(doc, spec.host), { scheduler: "vsched", tick: profile.tick, dispatchOverhead: profile.dispatchOverhead, admission: false });
          doc.policies.vsched.reservations = [{ vm: spec.vm, period, slice, at: 0 }];
          doc.duration = Math.max(spec.periodsPerCell * period, spec.minCellSeconds);
        });
        const m = cells.run(s).summary.metrics.vsched;
        rows.push({ profile: profile.name, period_s: period, slice_s: slice, utilization: frac, miss_rate: m[`${spec.vm}.miss_rate`] as number });
      }
    }
  }
  const files: Record<string, string> = { "miss_grid.csv": toCsv(recordsToRows(rows, ["profile", "period_s", "slice_s", "utilization", "miss_rate"])) };
  const metrics: Record<string, Record<string, number>> = {};
  for (const profile of spec.profiles) {
    const mine = rows.filter((r) => r.profile === profile.name);
    files[`miss_grid.${profile.name}.svg`] = heatmap({
      title: `VSched deadline miss rate, ${profile.name} (tick ${profile.tick * 1000} ms)`,
      x: { label: "period", values: periods, format: fmtTime },
      y: { label: "slice / period (utilization)", values: spec.sliceFractions },
      value: (i, j) => mine.find((r) => r.period_s === periods[i] && r.utilization === spec.sliceFractions[j])!.miss_rate,
      domain: [0, 1],
      legend: "miss rate",
    });
    metrics[profile.name] = {
      cells: mine.length,
      mean_miss_rate: mine.reduce((s, r) => s + r.miss_rate, 0) / mine.length,
      cells_without_misses: mine.filter((r) => r.miss_rate === 0).length,
    };
  }
  return result(base, cells, metrics, files);
}

export function fmtTime(s: number): string {
  return s >= 1 ? `${Number(s.toPrecision(3))} s` : `${Number((s * 1000).toPrecision(3))} ms`;
}
