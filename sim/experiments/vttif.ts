/**
 * VTTIF figures (HPDC 2005 reconstruction): the topology inferred for every BSP pattern at
 * several sizes, with and without background noise; detection latency against the smoothing
 * window; spurious reports against damping on a workload that alternates patterns.
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { chart } from "../../analysis/chart.js";
import { trafficGraph } from "../../analysis/graph.js";
import { Rng } from "../kernel/index.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import { edgeList, type Inference, type Topology, type Vttif } from "../vttif/index.js";
import { torusShape, type Pattern } from "../workload/index.js";
import { Cells, result, variant, type ExperimentResult } from "./cells.js";
import type { VttifPatternsSpec, VttifReactivitySpec } from "./schema.js";

/** The topology each BSP pattern's traffic should be inferred as, from 4 ranks up. */
const patternTopology: Record<Pattern, Topology> = {
  "all-to-all": "all-to-all",
  ring: "ring",
  mesh: "mesh",
  torus: "unknown",
  tree: "tree",
  broadcast: "star",
  pipeline: "pipeline",
  "n-body": "ring",
};

/**
 * The topology a pattern on n ranks should be inferred as. Small n collapse: one rank sends
 * nothing ("none": no report); two ranks that exchange both ways are all-to-all, one way a
 * pipeline; a mesh of 3 is a line, which is a tree.
 */
export function expectedTopology(pattern: Pattern, n: number): Topology | "none" {
  if (n < 2) return "none";
  if (n === 2) return pattern === "broadcast" || pattern === "pipeline" ? "pipeline" : "all-to-all";
  if (n === 3 && pattern === "mesh") return "tree";
  // VTTIF names no torus: only its degenerate shapes are named (both ways round a triangle is
  // all-to-all, 1 x n a ring, 2 x 2 a grid).
  if (pattern === "torus") return n === 3 ? "all-to-all" : torusShape(n)[0] === 1 ? "ring" : n === 4 ? "mesh" : "unknown";
  return patternTopology[pattern];
}

function vttifOf(r: ReturnType<Cells["run"]>): Vttif {
  const m = r.models.get("vttif") as unknown as { vttif: Vttif } | undefined;
  if (!m) throw new ScenarioError(["experiment: the scenario must enable policies.vttif"]);
  return m.vttif;
}

export function vttifPatterns(base: Scenario, spec: VttifPatternsSpec): ExperimentResult {
  const cells = new Cells();
  const rows: { pattern: string; ranks: number; noise: boolean; inferred: string; correct: boolean; detect_s: number }[] = [];
  const files: Record<string, string> = {};
  for (const pattern of spec.patterns) {
    for (const n of spec.ranks) {
      // Ranks land on hosts in a shuffled order: inference must not depend on rank numbering.
      const perm = new Rng(`vttif-patterns.${n}`, base.seed).shuffle([...Array(n).keys()]);
      for (const noise of [false, true]) {
        const s = variant(base, [], (doc) => {
          doc.vms = perm.map((h, i) => ({ id: `rank${i}`, host: `${spec.hostPrefix}${h}` }));
          const vms = doc.vms.map((v: { id: string }) => v.id);
          doc.workloads = [{ kind: "bsp", id: "app", vms, pattern, messageBytes: spec.messageBytes, computeOps: spec.computeOps, supersteps: 1e6 }];
          if (noise) doc.workloads.push({ kind: "noise", id: "noise", vms, rate: spec.noise.rate, messageBytes: spec.noise.messageBytes });
        });
        const r = cells.run(s);
        const v = vttifOf(r);
        const want = expectedTopology(pattern, n);
        const first = v.reports.find((x) => x.topology === want);
        const inferred = v.current?.topology ?? "none";
        rows.push({ pattern, ranks: n, noise, inferred, correct: inferred === want, detect_s: first ? first.t : NaN });
        if (n === spec.graphRanks && !noise && v.current) files[`graph.${pattern}.svg`] = graph(pattern, v.current);
      }
    }
  }
  files["topologies.csv"] = toCsv(recordsToRows(rows, ["pattern", "ranks", "noise", "inferred", "correct", "detect_s"]));
  const rate = (noise: boolean) => {
    const mine = rows.filter((r) => r.noise === noise);
    return mine.filter((r) => r.correct).length / mine.length;
  };
  return result(base, cells, { vttif: { cases: rows.length, correct_without_noise: rate(false), correct_with_noise: rate(true) } }, files);
}

function graph(pattern: string, inf: Inference): string {
  return trafficGraph({ title: `VTTIF on ${pattern}: inferred ${inf.topology}`, subtitle: `${inf.vms.length} VMs, confidence ${inf.confidence.toFixed(2)}`, nodes: inf.vms, edges: edgeList(inf) });
}

export function vttifReactivity(base: Scenario, spec: VttifReactivitySpec): ExperimentResult {
  const cells = new Cells();
  const app = base.workloads.find((w) => w.id === spec.app);
  if (!app || app.kind !== "bsp" || !app.sequence || app.sequence.length < 2) throw new ScenarioError([`experiment.app: "${spec.app}" must be a BSP workload with a sequence of two patterns`]);
  const [first, second] = app.sequence;
  const index = base.workloads.indexOf(app);
  const latency: { window: number; switch_s: number; detect_s: number; latency_s: number }[] = [];
  for (const window of spec.windows) {
    const s = variant(base, [], (doc) => {
      doc.policies.vttif.window = window;
      doc.policies.vttif.damping = 1;
      doc.workloads[index].sequence = [{ pattern: first.pattern, supersteps: spec.switchAt }, { pattern: second.pattern, supersteps: 1e6 }];
      doc.workloads[index].supersteps = 1;
    });
    const r = cells.run(s);
    const steps = (r.models.get(spec.app) as unknown as { steps: { start: number }[] }).steps;
    const switchAt = steps[spec.switchAt]?.start ?? NaN;
    const seen = vttifOf(r).reports.find((x) => x.t >= switchAt && x.topology === expectedTopology(second.pattern, app.vms.length));
    latency.push({ window, switch_s: switchAt, detect_s: seen?.t ?? NaN, latency_s: (seen?.t ?? NaN) - switchAt });
  }
  const spurious: { damping: number; reports: number; spurious: number }[] = [];
  for (const damping of spec.dampings) {
    const s = variant(base, [], (doc) => {
      doc.policies.vttif.damping = damping;
      doc.policies.vttif.window = spec.alternateWindow;
      doc.workloads[index].sequence = [{ pattern: first.pattern, supersteps: spec.alternateEvery }, { pattern: second.pattern, supersteps: spec.alternateEvery }];
      doc.workloads[index].supersteps = 1e6;
    });
    const reports = vttifOf(cells.run(s)).reports.length;
    spurious.push({ damping, reports, spurious: Math.max(0, reports - 1) });
  }
  const files = {
    "detection.csv": toCsv(recordsToRows(latency, ["window", "switch_s", "detect_s", "latency_s"])),
    "detection.svg": chart({ title: `VTTIF reactivity: ${first.pattern} -> ${second.pattern}`, x: { label: "smoothing window (update intervals)" }, y: { label: "detection latency (s)" }, series: [{ name: "latency", points: latency.map((l) => [l.window, l.latency_s] as [number, number]) }] }),
    "spurious.csv": toCsv(recordsToRows(spurious, ["damping", "reports", "spurious"])),
    "spurious.svg": chart({ title: `VTTIF damping on a workload alternating every ${spec.alternateEvery} supersteps`, x: { label: "damping (updates a change must persist)" }, y: { label: "spurious topology reports" }, series: [{ name: "spurious", points: spurious.map((x) => [x.damping, x.spurious] as [number, number]) }] }),
  };
  return result(base, cells, { reactivity: { windows: latency.length, dampings: spurious.length } }, files);
}
