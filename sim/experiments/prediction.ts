/**
 * Resource prediction (RPS, Dinda and O'Hallaron; NWS, Wolski): each predictor's mean squared
 * error against horizon on self-similar synthetic load and on a recorded trace of a machine;
 * the running-time advisor's interval coverage against its nominal level, for tasks run under
 * fair sharing on that load; VADAPT deciding on Wren's last estimates against deciding on
 * forecast bandwidth, under heavy-tailed on-off cross traffic; and VADAPT with the compute
 * term on last, smoothed and forecast host availability under on-off CPU load
 * (prediction-cpu.ts).
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { chart } from "../../analysis/chart.js";
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { Rng } from "../kernel/index.js";
import { loadProfile } from "../platform/host/index.js";
import { Ensemble, TrackedAdvisor, ar, bestMean, last, overallMean, placeOnline, runningTime, selfSimilarLoad, windowMean, type Job, type Predictor } from "../predict/index.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import type { BspApp } from "../workload/index.js";
import { Cells, isDry, result, variant, type ExperimentResult } from "./cells.js";
import { onOff } from "./on-off.js";
import { adaptCpuPrediction } from "./prediction-cpu.js";
import type { PredictionSpec } from "./schema.js";

type Make = () => Predictor;

function predictors(spec: PredictionSpec): [string, Make][] {
  const s = { window: spec.window, refit: spec.refit, horizon: Math.max(spec.horizon, 120) };
  const members = () => [last(s), overallMean(s), bestMean(spec.order, s), ar(spec.order, "yule-walker", s)];
  return [
    ["LAST", () => last(s)],
    ["MEAN", () => overallMean(s)],
    ["MEAN(10)", () => windowMean(10, s)],
    [`BM(${spec.order})`, () => bestMean(spec.order, s)],
    [`AR(${spec.order})`, () => ar(spec.order, "yule-walker", s)],
    [`AR(${spec.order}) LS`, () => ar(spec.order, "least-squares", s)],
    ["NWS", () => new Ensemble(members(), 300, 1, spec.horizon)],
  ];
}

/** Mean squared error at horizons 1..H of a predictor run online over x, from sample `warm` on. */
export function msePerHorizon(p: Predictor, x: ArrayLike<number>, H: number, warm: number): number[] {
  const sum = new Float64Array(H), n = new Float64Array(H);
  for (let i = 0; i < x.length - 1; i++) {
    p.observe(x[i]);
    if (i + 1 < warm) continue;
    const f = p.forecast(H);
    for (let h = 1; h <= H && i + h < x.length; h++) {
      sum[h - 1] += (x[i + h] - f.mean[h - 1]) ** 2;
      n[h - 1]++;
    }
  }
  return Array.from(sum, (s, k) => s / n[k]);
}

/** Seconds a task needing `work` CPU-seconds takes from sample i on, getting 1/(1+load) of a core (1 s samples). */
export function fairShareTime(load: ArrayLike<number>, i: number, work: number): number {
  let t = 0;
  for (let j = i; j < load.length; j++) {
    const rate = 1 / (1 + Math.max(0, load[j]));
    if (work <= rate) return t + work / rate;
    work -= rate;
    t += 1;
  }
  return NaN;
}

/** What the coverage is measured of: an advisor fed the load samples one by one. */
export interface Advisor {
  observe(x: number): void;
  runningTime(nominal: number, level: number): { lo: number; hi: number };
}

/** The model's own intervals (mean +- z sd of the load forecast), no error tracking. */
export const modelAdvisor = (p: Predictor): Advisor => ({ observe: (x) => p.observe(x), runningTime: (nominal, level) => runningTime(p, nominal, 1, level) });

/** Fraction of tasks, started at every sample past `warm`, whose real running time fell in the advisor's interval. */
export function coverage(a: Advisor, load: ArrayLike<number>, nominal: number, levels: readonly number[], warm: number): number[] {
  const hits = levels.map(() => 0);
  let n = 0;
  for (let i = 0; i < load.length; i++) {
    a.observe(load[i]);
    if (i + 1 < warm) continue;
    const real = fairShareTime(load, i + 1, nominal);
    if (Number.isNaN(real)) break;
    n++;
    levels.forEach((level, k) => {
      const r = a.runningTime(nominal, level);
      if (real >= r.lo && real <= r.hi) hits[k]++;
    });
  }
  return hits.map((h) => h / n);
}

export function prediction(base: Scenario, spec: PredictionSpec, baseDir = "."): ExperimentResult {
  const cells = new Cells();
  const files: Record<string, string> = {};
  const metrics: Record<string, Record<string, number>> = {};
  const series: [string, string, Float64Array][] = [["synthetic", `fGn load, H = ${spec.synthetic.hurst}`, Float64Array.from(selfSimilarLoad(new Rng("prediction.synthetic", base.seed), { ...spec.synthetic, interval: 1 }), (r) => r[1])]];
  if (spec.trace) {
    const file = isAbsolute(spec.trace) ? spec.trace : join(baseDir, spec.trace);
    let rows: [number, number][];
    try {
      rows = loadProfile({ kind: "trace", file }, ".");
    } catch (e) {
      throw new ScenarioError([`experiment.trace: ${(e as Error).message.replace(/^ENOENT: /, "")}`]);
    }
    series.push(["trace", `recorded trace`, Float64Array.from(rows, (r) => r[1])]);
    if (rows.length < spec.window + spec.horizon + 10) throw new ScenarioError([`experiment.trace: ${rows.length} samples are too few for window ${spec.window} and horizon ${spec.horizon}`]);
  }
  const H = spec.horizon;
  const mseRows: { series: string; predictor: string; horizon: number; mse: number }[] = [];
  const covRows: { series: string; predictor: string; nominal_s: number; level: number; coverage: number }[] = [];
  const covSeries: { name: string; dash?: string; points: [number, number][] }[] = [];
  // The pre-run check only needs the cells below.
  for (const [key, title, x] of isDry() ? [] : series) {
    const lines = predictors(spec).map(([name, make]) => {
      const mse = msePerHorizon(make(), x, H, spec.window);
      mse.forEach((m, k) => mseRows.push({ series: key, predictor: name, horizon: k + 1, mse: m }));
      (metrics[`mse_${key}`] ??= {})[`${name}_h1`] = mse[0];
      metrics[`mse_${key}`][`${name}_h${H}`] = mse[H - 1];
      return { name, points: mse.map((m, k) => [k + 1, m] as [number, number]) };
    });
    files[`mse.${key}.svg`] = chart({ title: `Forecast error by horizon: ${title}`, x: { label: "horizon (samples)" }, y: { label: "mean squared error", zero: true }, series: lines });
    const nominal = key === "trace" ? spec.traceNominal : spec.nominal;
    for (const name of [`AR(${spec.order})`, "NWS"]) {
      const make = predictors(spec).find(([n]) => n === name)![1];
      for (const tracked of [false, true]) {
        const label = tracked ? `${name} tracked` : `${name} model`;
        const c = coverage(tracked ? new TrackedAdvisor(make(), 1, [nominal]) : modelAdvisor(make()), x, nominal, spec.levels, spec.window);
        c.forEach((v, k) => covRows.push({ series: key, predictor: label, nominal_s: nominal, level: spec.levels[k], coverage: v }));
        c.forEach((v, k) => ((metrics[`coverage_${key}`] ??= {})[`${label}_${spec.levels[k]}`] = v));
        covSeries.push({ name: `${key} (${nominal} s tasks), ${label}`, dash: tracked ? undefined : "5 3", points: c.map((v, k) => [spec.levels[k], v] as [number, number]) });
      }
    }
  }
  const lo = Math.min(...spec.levels, 1), hi = Math.max(...spec.levels);
  files["coverage.svg"] = chart({
    title: "Running-time advisor: interval coverage (dashed: model intervals; solid: from tracked errors)",
    x: { label: "nominal level", domain: [lo, hi], zero: false },
    y: { label: "fraction of tasks inside the interval", domain: [Math.min(lo, ...covSeries.flatMap((s) => s.points.map((p) => p[1]))), 1], zero: false },
    series: [{ name: "nominal (ideal)", kind: "line", dash: "4 3", colour: "#888", points: [[lo, lo], [hi, hi]] }, ...covSeries],
  });
  files["mse.csv"] = toCsv(recordsToRows(mseRows, ["series", "predictor", "horizon", "mse"]));
  files["coverage.csv"] = toCsv(recordsToRows(covRows, ["series", "predictor", "nominal_s", "level", "coverage"]));
  if (spec.adapt) Object.assign(metrics, adaptPrediction(base, spec.adapt, cells, files));
  if (spec.adaptCpu) Object.assign(metrics, adaptCpuPrediction(base, spec.adaptCpu, cells, files));
  if (spec.placement && !isDry()) Object.assign(metrics, placement(base, spec, files));
  return result(base, cells, metrics, files);
}

/**
 * VADAPT on Wren's last estimates against VADAPT on forecasts (one run per predictor kind),
 * under on-off cross traffic from each listed host to the sink. Counted per run: migrations,
 * those whose VM was moved again later (the move did not last), and the application's
 * runtime: where runtimes agree, the extra migrations bought nothing.
 */
function adaptPrediction(base: Scenario, spec: NonNullable<PredictionSpec["adapt"]>, cells: Cells, files: Record<string, string>): Record<string, Record<string, number>> {
  const a = base.policies.adapt;
  if (!a?.predict) throw new ScenarioError(["experiment.adapt: the scenario needs policies.adapt with predict set (the predicted variant's settings)"]);
  if (!a.app) throw new ScenarioError(["experiment.adapt: policies.adapt.app must name the BSP application"]);
  const app = a.app;
  const cross = spec.cross.hosts.map((h) => ({ kind: "cross", id: `cross_${h}`, from: h, to: spec.cross.sink, steps: onOff(new Rng(`prediction.cross.${h}`, base.seed), spec.cross, base.duration) }));
  const out: Record<string, Record<string, number>> = {};
  const rows: Record<string, unknown>[] = [];
  const progress: { name: string; kind: "step"; points: [number, number][] }[] = [];
  const moves: { name: string; kind: "step"; points: [number, number][] }[] = [];
  for (const mode of ["last", ...spec.predictors]) {
    const s = variant(base, [], (doc) => {
      doc.policies.adapt.enabled = true;
      if (mode === "last") delete doc.policies.adapt.predict;
      else doc.policies.adapt.predict.kind = mode;
      doc.workloads.push(...cross);
    });
    const r = cells.run(s);
    const m = r.summary.metrics;
    const ad = m.adapt ?? {};
    const runtime = m[app]?.finished ? (m[app].runtime_s as number) : NaN;
    const log = (r.models.get("adapt") as unknown as { loop: { migrations: { vm: string; start: number }[] } } | undefined)?.loop.migrations ?? [];
    const movedAgain = log.filter((x, i) => log.slice(i + 1).some((y) => y.vm === x.vm)).length;
    out[`adapt_${mode}`] = { migrations: (ad.migrations as number) ?? 0, moved_again: movedAgain, applied: (ad.applied as number) ?? 0, runtime_s: runtime, bytes_moved: (ad.bytes_moved as number) ?? 0, migration_s: (ad.migration_s as number) ?? 0 };
    rows.push({ mode, ...out[`adapt_${mode}`] });
    const steps = (r.models.get(app) as BspApp).steps;
    progress.push({ name: mode === "last" ? "last estimates" : `predicted (${mode})`, kind: "step", points: [[0, 0], ...steps.map((x, i) => [x.end, i + 1] as [number, number])] });
    moves.push({ name: mode === "last" ? "last estimates" : `predicted (${mode})`, kind: "step", points: [[0, 0], ...log.map((x, i) => [x.start, i + 1] as [number, number]), [steps[steps.length - 1]?.end ?? r.summary.simulated_s, log.length]] });
  }
  for (const k of spec.predictors) out[`adapt_${k}`] = { ...out[`adapt_${k}`], fewer_migrations_than_last: out.adapt_last.migrations - out[`adapt_${k}`].migrations, runtime_vs_last: out[`adapt_${k}`].runtime_s / out.adapt_last.runtime_s };
  files["adapt.csv"] = toCsv(recordsToRows(rows, ["mode", "migrations", "moved_again", "applied", "runtime_s", "bytes_moved", "migration_s"]));
  files["adapt.migrations.svg"] = chart({ title: "VADAPT under on-off cross traffic: migrations", x: { label: "time (s)" }, y: { label: "migrations started (cumulative)" }, series: moves });
  files["adapt.progress.svg"] = chart({ title: "VADAPT under on-off cross traffic: progress", x: { label: "time (s)" }, y: { label: "supersteps done" }, series: progress });
  return out;
}

/**
 * Online batch placement (predict/placement.ts) on self-similar host loads that differ in
 * mean: the running-time advisor on each host's NWS forecast against least-loaded-now, round
 * robin and random, every policy on the same loads and the same jobs. Reported per policy:
 * mean response time and mean and 95th-percentile slowdown (response over work).
 */
function placement(base: Scenario, spec: PredictionSpec, files: Record<string, string>): Record<string, Record<string, number>> {
  const p = spec.placement!;
  const load = Array.from({ length: p.hosts }, (_, h) => {
    const mean = p.mean * (1 - p.spread + (2 * p.spread * h) / (p.hosts - 1));
    return Float64Array.from(selfSimilarLoad(new Rng(`prediction.placement.load.h${h}`, base.seed), { hurst: p.hurst, mean, sd: p.sd, interval: 1, samples: p.seconds }), (r) => r[1]);
  });
  const rng = new Rng("prediction.placement.jobs", base.seed);
  const jobs: Job[] = [];
  const [wlo, whi] = p.work;
  for (let t = p.warmup + (-Math.log(1 - rng.random()) * p.interarrival); t < 0.8 * p.seconds; t += -Math.log(1 - rng.random()) * p.interarrival) {
    jobs.push({ id: `j${jobs.length}`, arrival: t, work: wlo * Math.pow(whi / wlo, rng.random()) });
  }
  const s = { window: spec.window, refit: spec.refit, horizon: spec.horizon };
  const nws = () => new Ensemble([last(s), overallMean(s), bestMean(spec.order, s), ar(spec.order, "yule-walker", s)], 300, 1, spec.horizon);
  const out: Record<string, Record<string, number>> = {};
  const rows: Record<string, unknown>[] = [];
  const cdfs: { name: string; kind: "step"; points: [number, number][] }[] = [];
  for (const policy of p.policies) {
    const placed = placeOnline({ load, interval: 1, jobs, policy, predictor: nws, level: p.level, rng: new Rng("prediction.placement.random", base.seed) });
    const slow = placed.map((j) => (j.finish - j.arrival) / j.work).sort((a, b) => a - b);
    const response = placed.reduce((a, j) => a + j.finish - j.arrival, 0) / placed.length;
    const m = {
      jobs: jobs.length,
      unfinished: jobs.length - placed.length,
      mean_response_s: response,
      mean_slowdown: slow.reduce((a, b) => a + b, 0) / slow.length,
      p95_slowdown: slow[Math.min(slow.length - 1, Math.ceil(0.95 * slow.length) - 1)],
    };
    out[`placement_${policy}`] = m;
    rows.push({ policy, ...m });
    cdfs.push({ name: policy, kind: "step", points: slow.map((v, i) => [v, (i + 1) / slow.length] as [number, number]) });
  }
  files["placement.csv"] = toCsv(recordsToRows(rows, ["policy", "jobs", "unfinished", "mean_response_s", "mean_slowdown", "p95_slowdown"]));
  const worst = Math.max(2, ...cdfs.map((c) => c.points[c.points.length - 1]?.[0] ?? 1));
  files["placement.svg"] = chart({ title: `Batch placement on ${p.hosts} hosts, fGn load (H = ${p.hurst})`, x: { label: "job slowdown (response time / work)", log: true, domain: [1, worst] }, y: { label: "fraction of jobs (CDF)", domain: [0, 1] }, series: cdfs });
  return out;
}
