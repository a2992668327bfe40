/**
 * VADAPT with the compute term (policies.adapt.availability) under heavy-tailed on-off external
 * CPU load on the hosts: deciding on the load read at each decision (last), the same with a
 * higher gain threshold (hysteresis) or on the load's mean over the last few samples (window):
 * the damping a researcher would try first; and on forecasts (one run per predictor kind). The predictor setting
 * applies to the path bandwidths too. A migration is needless when its VM migrates again soon
 * after it ends: the load it fled was gone, or the host it chose was loaded, before the move
 * could pay off. Counted per run: migrations, needless ones, and the application's runtime;
 * a run without VADAPT (none) gives the runtime adaptation is measured against.
 */
import { chart } from "../../analysis/chart.js";
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { Rng } from "../kernel/index.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import type { BspApp } from "../workload/index.js";
import { hostOf, variant, type Cells } from "./cells.js";
import { onOff } from "./on-off.js";
import type { PredictionSpec } from "./schema.js";

type Spec = NonNullable<PredictionSpec["adaptCpu"]>;

/** Migrations whose VM started another migration within `soon` seconds of their end. */
export function needless(log: readonly { vm: string; start: number; end: number }[], soon: number): number {
  return log.filter((x, i) => {
    const end = Number.isFinite(x.end) ? x.end : x.start;
    return log.slice(i + 1).some((y) => y.vm === x.vm && y.start >= x.start && y.start <= end + soon);
  }).length;
}

export function adaptCpuPrediction(base: Scenario, spec: Spec, cells: Cells, files: Record<string, string>): Record<string, Record<string, number>> {
  const a = base.policies.adapt;
  if (!a?.predict) throw new ScenarioError(["experiment.adaptCpu: the scenario needs policies.adapt with predict set (the predicted variants' settings)"]);
  if (!a.app) throw new ScenarioError(["experiment.adaptCpu: policies.adapt.app must name the BSP application"]);
  const app = a.app;
  const duration = spec.duration ?? base.duration;
  const loads = spec.load.hosts.map((h) => ({ h, steps: onOff(new Rng(`prediction.cpu.${h}`, base.seed), { ...spec.load, rate: spec.load.level }, duration).map((x) => ({ at: x.at, level: x.rate })) }));
  const out: Record<string, Record<string, number>> = {};
  const rows: Record<string, unknown>[] = [];
  const progress: { name: string; kind: "step"; points: [number, number][] }[] = [];
  const moves: { name: string; kind: "step"; points: [number, number][] }[] = [];
  const name = (mode: string) => (mode === "none" ? "no VADAPT" : mode === "last" ? "last" : mode === "hysteresis" ? `last, ${spec.confirm} in a row` : mode === "window" ? `mean of ${spec.windowOrder}` : `${mode.toUpperCase()} forecast`);
  for (const mode of spec.variants) {
    const s = variant(base, [], (doc) => {
      const ad = doc.policies.adapt;
      doc.duration = duration;
      ad.enabled = mode !== "none";
      ad.availability = { weight: spec.weight, predicted: true };
      if (mode === "last" || mode === "none") delete ad.predict;
      else if (mode === "hysteresis") {
        delete ad.predict;
        ad.confirm = spec.confirm;
      } else if (mode === "window") Object.assign(ad.predict, { kind: "window", order: spec.windowOrder });
      else ad.predict.kind = mode;
      for (const { h, steps } of loads) hostOf(doc, h).externalLoad = { kind: "steps", steps };
    });
    const r = cells.run(s);
    const m = r.summary.metrics;
    const ad = m.adapt ?? {};
    const runtime = m[app]?.finished ? (m[app].runtime_s as number) : NaN;
    const log = (r.models.get("adapt") as unknown as { loop: { migrations: { vm: string; start: number; end: number }[] } } | undefined)?.loop.migrations ?? [];
    const movedAgain = log.filter((x, i) => log.slice(i + 1).some((y) => y.vm === x.vm)).length;
    out[`adapt_cpu_${mode}`] = { migrations: (ad.migrations as number) ?? 0, needless: needless(log, spec.soon), moved_again: movedAgain, applied: (ad.applied as number) ?? 0, runtime_s: runtime, bytes_moved: (ad.bytes_moved as number) ?? 0, migration_s: (ad.migration_s as number) ?? 0 };
    rows.push({ mode, ...out[`adapt_cpu_${mode}`] });
    const steps = (r.models.get(app) as BspApp).steps;
    progress.push({ name: name(mode), kind: "step", points: [[0, 0], ...steps.map((x, i) => [x.end, i + 1] as [number, number])] });
    moves.push({ name: name(mode), kind: "step", points: [[0, 0], ...log.map((x, i) => [x.start, i + 1] as [number, number]), [steps[steps.length - 1]?.end ?? r.summary.simulated_s, log.length]] });
  }
  const ref = out.adapt_cpu_last;
  if (ref) for (const k of spec.variants) if (k !== "last" && k !== "none") out[`adapt_cpu_${k}`] = { ...out[`adapt_cpu_${k}`], fewer_needless_than_last: ref.needless - out[`adapt_cpu_${k}`].needless, runtime_vs_last: out[`adapt_cpu_${k}`].runtime_s / ref.runtime_s };
  files["adapt-cpu.csv"] = toCsv(recordsToRows(rows, ["mode", "migrations", "needless", "moved_again", "applied", "runtime_s", "bytes_moved", "migration_s"]));
  const title = "VADAPT on host availability, on-off CPU load";
  const load = `load ${spec.load.level} core on for ${spec.load.meanOn} s, off ${spec.load.meanOff} s (Pareto means)`;
  files["adapt-cpu.migrations.svg"] = chart({ title: `${title}: migrations`, x: { label: `time (s); ${load}` }, y: { label: "migrations started (cumulative)" }, series: moves });
  files["adapt-cpu.progress.svg"] = chart({ title: `${title}: progress`, x: { label: `time (s); ${load}` }, y: { label: "supersteps done" }, series: progress });
  const categories = spec.variants.map(name);
  const at = (f: (x: Record<string, number>) => number) => spec.variants.map((k, i) => [i, f(out[`adapt_cpu_${k}`])] as [number, number]);
  files["adapt-cpu.counts.svg"] = chart({
    title: `${title}: migrations`,
    width: Math.max(480, 110 * categories.length),
    x: { label: "availability and bandwidth VADAPT decides on (labels: runtime)", categories },
    y: { label: "migrations", domain: [0, 1.15 * Math.max(1, ...spec.variants.map((k) => out[`adapt_cpu_${k}`].migrations))] },
    series: [
      { name: "migrations", kind: "scatter", points: at((x) => x.migrations), labels: spec.variants.map((k) => `${fmt(out[`adapt_cpu_${k}`].runtime_s)} s`) },
      { name: `needless (moved again within ${spec.soon} s)`, kind: "scatter", points: at((x) => x.needless) },
    ],
  });
  return out;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(0) : "unfinished";
}
