/**
 * How late VSched's misses are beyond each limit (SC 2005): the CDF of lateness (finish time
 * minus deadline) for reservations past the utilization limit and past the resolution limit.
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { chart } from "../../analysis/chart.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import { Cells, hostOf, result, variant, type ExperimentResult } from "./cells.js";
import type { MissTimesSpec } from "./schema.js";

export function missTimes(base: Scenario, spec: MissTimesSpec): ExperimentResult {
  const cells = new Cells();
  const rows: { cell: string; profile: string; period_s: number; slice_s: number; lateness_ms: number }[] = [];
  const metrics: Record<string, Record<string, number>> = {};
  const series = [];
  for (const c of spec.cells) {
    const profile = spec.profiles.find((p) => p.name === c.profile);
    if (!profile) throw new ScenarioError([`experiment.cells: no profile "${c.profile}"`]);
    const s = variant(base, [], (doc) => {
      Object.assign(hostOf(doc, spec.host), { scheduler: "vsched", tick: profile.tick, dispatchOverhead: profile.dispatchOverhead, admission: false });
      doc.policies.vsched = { reservations: [{ vm: spec.vm, period: c.period, slice: c.slice, at: 0 }], tracePeriods: true };
      doc.duration = Math.max(spec.periodsPerCell * c.period, spec.minCellSeconds);
    });
    const r = cells.run(s);
    const t = r.sim.trace.all().find((x) => x.name === "vsched.periods")!;
    const missed = t.column("missed"), late = t.column("lateness");
    const lateness: number[] = [];
    for (let i = 0; i < t.length; i++) if (missed[i] === 1 && Number.isFinite(late[i] as number)) lateness.push((late[i] as number) * 1000);
    lateness.sort((a, b) => a - b);
    for (const l of lateness) rows.push({ cell: c.name, profile: c.profile, period_s: c.period, slice_s: c.slice, lateness_ms: l });
    series.push({ name: c.name, points: lateness.map((l, i) => [l, (i + 1) / lateness.length] as [number, number]), kind: "step" as const });
    metrics[c.name] = {
      periods: t.length,
      misses: lateness.length,
      miss_rate: t.length > 0 ? lateness.length / t.length : 0,
      median_lateness_ms: lateness.length ? lateness[Math.floor(lateness.length / 2)] : NaN,
    };
  }
  const files = {
    "miss_times.csv": toCsv(recordsToRows(rows, ["cell", "profile", "period_s", "slice_s", "lateness_ms"])),
    "miss_times.svg": chart({ title: "VSched: how late the misses are beyond each limit", x: { label: "lateness (ms)", log: true }, y: { label: "fraction of misses (CDF)" }, series }),
  };
  return result(base, cells, metrics, files);
}
