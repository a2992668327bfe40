/** VADAPT experiments: the adaptation modes' payoff, and the algorithms compared. */
import { chart } from "../../analysis/chart.js";
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { Rng } from "../kernel/index.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import type { BspApp } from "../workload/index.js";
import { anneal, defaultAnneal, exhaustive, greedy, randomProblem, routeAll, stepClock, type Problem, type Solution } from "../vadapt/index.js";
import { Cells, result, variant, type ExperimentResult } from "./cells.js";
import type { AdaptAlgorithmsSpec, AdaptModesSpec } from "./schema.js";

/**
 * VADAPT's payoff (LCR 2004, HPDC 2005): a BSP application's runtime with no adaptation,
 * with overlay adaptation only (links and forwarding), and with migration plus overlay, from
 * each starting placement (the paper's poor start, and a sensible static one). Speedups are
 * against no adaptation from the first start, and from the run's own start.
 */
export function adaptModes(base: Scenario, spec: AdaptModesSpec): ExperimentResult {
  const cells = new Cells();
  const index = base.workloads.findIndex((w) => w.id === spec.app);
  if (index < 0 || base.workloads[index].kind !== "bsp") throw new ScenarioError([`experiment.app: "${spec.app}" is not a BSP workload`]);
  type Row = { pattern: string; start: string; mode: string; runtime_s: number; speedup: number; speedup_own_start: number; migrations: number; bytes_moved: number; migration_s: number };
  const rows: Row[] = [];
  const files: Record<string, string> = {};
  for (const pattern of spec.patterns) {
    let baseline = NaN;
    const series: { name: string; kind: "step"; points: [number, number][] }[] = [];
    for (const start of spec.starts) {
      let own = NaN;
      for (const mode of spec.modes) {
        const s = variant(base, [], (doc) => {
          doc.workloads[index].pattern = pattern;
          for (const v of doc.vms) if (start.hosts[v.id] !== undefined) v.host = start.hosts[v.id];
          if (mode === "none") {
            if (doc.policies.adapt) doc.policies.adapt.enabled = false;
          } else {
            if (!doc.policies.adapt) throw new ScenarioError(["experiment: the scenario needs policies.adapt"]);
            doc.policies.adapt.enabled = true;
            doc.policies.adapt.mode = mode;
          }
        });
        const r = cells.run(s);
        const m = r.summary.metrics;
        const runtime = m[spec.app].finished ? (m[spec.app].runtime_s as number) : NaN;
        if (mode === "none" && start === spec.starts[0]) baseline = runtime;
        if (mode === "none") own = runtime;
        const a = m.adapt ?? {};
        rows.push({ pattern, start: start.name, mode, runtime_s: runtime, speedup: baseline / runtime, speedup_own_start: own / runtime, migrations: (a.migrations as number) ?? 0, bytes_moved: (a.bytes_moved as number) ?? 0, migration_s: (a.migration_s as number) ?? 0 });
        const steps = (r.models.get(spec.app) as BspApp).steps;
        const points = [[0, 0] as [number, number], ...steps.map((x, i) => [x.end, i + 1] as [number, number])];
        // A run identical to an earlier one is drawn under it: say so in the legend.
        const same = series.find((o) => o.points.length === points.length && o.points.every((p, i) => p[0] === points[i][0]));
        series.push({ name: `${start.name}, ${mode}${same ? ` (= ${same.name})` : ""}`, kind: "step" as const, points });
      }
    }
    const starts = spec.starts.map((x) => x.name).join(", ");
    files[`adaptation.${pattern}.svg`] = chart({ title: `VADAPT, BSP ${pattern}: supersteps done from each start (${starts}) and adaptation mode`, x: { label: "time (s)" }, y: { label: "supersteps done" }, series });
  }
  const metrics: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    const key = r.start === spec.starts[0].name ? r.mode : `${r.start}_${r.mode}`;
    (metrics[r.pattern] ??= {})[`${key}_speedup`] = r.speedup;
    if (r.mode === "migrate") metrics[r.pattern][`${key}_migrations`] = r.migrations;
  }
  files["adaptation.csv"] = toCsv(recordsToRows(rows, ["pattern", "start", "mode", "runtime_s", "speedup", "speedup_own_start", "migrations", "bytes_moved", "migration_s"]));
  return result(base, cells, metrics, files);
}

/**
 * The algorithms compared (ICAC 2006 reconstruction): objective against annealing moves for
 * GH, SA and GH+SA on random instances; and GH's and SA's gap to the exhaustive optimum on
 * small instances (`optimality.csv`, gap CDF).
 */
export function adaptAlgorithms(base: Scenario, spec: AdaptAlgorithmsSpec): ExperimentResult {
  const cells = new Cells();
  const files: Record<string, string> = {};
  const conv: { vms: number; algorithm: string; moves: number; objective: number }[] = [];
  const anneal_ = (iterations: number) => ({ ...defaultAnneal, iterations, traceEvery: Math.max(1, Math.floor(iterations / 50)) });
  const series = [];
  for (const n of spec.sizes) {
    const rng = new Rng(`vadapt-algorithms.${n}`, base.seed);
    const p = randomProblem(rng, { vms: n, hosts: Math.max(2, Math.ceil(n / spec.vmsPerHost)), density: Math.min(1, spec.partners / (n - 1)), maxHops: spec.maxHops, slots: spec.vmsPerHost });
    const gh = greedy(p);
    // Traces count moves, not seconds, so the figure is the same on every machine.
    const sa = anneal(p, randomStart(p, rng), rng, anneal_(spec.moves), stepClock());
    const both = anneal(p, gh.solution, rng, anneal_(spec.moves), stepClock());
    const norm = Math.abs(gh.objective) || 1;
    for (const [name, trace] of [["SA", sa.trace], ["GH+SA", both.trace]] as const) {
      const every = anneal_(spec.moves).traceEvery;
      const pts = trace.map((x, i) => [Math.min(i * every, spec.moves), Math.max(x.objective, name === "GH+SA" ? gh.objective : -Infinity) / norm] as [number, number]).filter(([, y]) => Number.isFinite(y));
      for (const [moves, objective] of pts) conv.push({ vms: n, algorithm: name, moves, objective });
      series.push({ name: `${name}, ${n} VMs`, points: pts });
    }
    conv.push({ vms: n, algorithm: "GH", moves: 0, objective: 1 });
  }
  files["convergence.csv"] = toCsv(recordsToRows(conv, ["vms", "algorithm", "moves", "objective"]));
  files["convergence.svg"] = chart({ title: "VADAPT: objective during annealing, relative to GH (= 1)", x: { label: "annealing moves" }, y: { label: "objective / GH objective", zero: false }, series });

  const rows: { instance: number; vms: number; hosts: number; optimum: number; gh: number; sa: number; ghsa: number; gh_gap: number; sa_gap: number; ghsa_gap: number }[] = [];
  const rng = new Rng("vadapt-algorithms.small", base.seed);
  for (let i = 0; i < spec.small.instances; i++) {
    const vms = spec.small.minVms + rng.int(spec.small.maxVms - spec.small.minVms + 1);
    const hosts = spec.small.minHosts + rng.int(spec.small.maxHosts - spec.small.minHosts + 1);
    const p = randomProblem(rng, { vms, hosts, density: Math.min(1, spec.partners / (vms - 1)), maxHops: 1, slots: Math.ceil(vms / hosts) + 1 });
    const opt = exhaustive(p);
    if (!opt.feasible) continue;
    const gh = greedy(p), sa = anneal(p, randomStart(p, rng), rng, anneal_(2000)), both = anneal(p, gh.solution, rng, anneal_(2000));
    const gap = (x: { objective: number; feasible: boolean }) => (x.feasible ? (opt.objective - x.objective) / Math.abs(opt.objective) : 1);
    rows.push({ instance: i, vms, hosts, optimum: opt.objective, gh: gh.objective, sa: sa.objective, ghsa: Math.max(gh.objective, both.objective), gh_gap: gap(gh), sa_gap: gap(sa), ghsa_gap: Math.min(gap(gh), gap(both)) });
  }
  files["optimality.csv"] = toCsv(recordsToRows(rows, ["instance", "vms", "hosts", "optimum", "gh", "sa", "ghsa", "gh_gap", "sa_gap", "ghsa_gap"]));
  const cdf = (name: string, gaps: number[]) => ({ name, kind: "step" as const, points: [...gaps].sort((a, b) => a - b).map((g, i, all) => [g, (i + 1) / all.length] as [number, number]) });
  files["optimality.svg"] = chart({
    title: "VADAPT: gap to the exhaustive optimum (up to 8 VMs, 6 hosts)",
    x: { label: "(optimum - objective) / |optimum|" },
    y: { label: "fraction of instances (CDF)" },
    series: [cdf("GH", rows.map((r) => r.gh_gap)), cdf("SA", rows.map((r) => r.sa_gap)), cdf("GH+SA", rows.map((r) => r.ghsa_gap))],
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return result(base, cells, {
    optimality: { instances: rows.length, gh_mean_gap: mean(rows.map((r) => r.gh_gap)), sa_mean_gap: mean(rows.map((r) => r.sa_gap)), ghsa_mean_gap: mean(rows.map((r) => r.ghsa_gap)), gh_optimal: rows.filter((r) => r.gh_gap <= 1e-9).length },
  }, files);
}

/** A random mapping within capacity, routed by widest paths: annealing's cold start. */
function randomStart(p: Problem, rng: Rng): Solution {
  const free = p.capacity.slice();
  const host = Int32Array.from(p.vms, (_, v) => {
    if (p.pinned[v] >= 0) return p.pinned[v];
    const options = [...free.keys()].filter((h) => free[h] >= p.compute[v]);
    const h = options.length ? options[rng.int(options.length)] : 0;
    free[h] -= p.compute[v];
    return h;
  });
  return { host, routes: routeAll(p, host) };
}
