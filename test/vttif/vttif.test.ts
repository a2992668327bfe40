import test from "ava";
import { runExperiment } from "../../sim/experiments/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario, parseScenario } from "../../sim/scenario/index.js";
import type { Wren } from "../../sim/wren/index.js";
import { csvRecords, root } from "../helpers.js";

const csvRows = csvRecords;

test("every pattern is classified correctly at 4-32 ranks (13 included) without noise, and >= 95% with it", (t) => {
  const s = loadScenario(`${root}/scenarios/vttif-patterns.json`);
  const out = runExperiment(s).stage("/nonexistent");
  const rows = csvRows(out.files.get("topologies.csv")!);
  t.is(rows.length, 7 * 5 * 2);
  t.true(rows.some((r) => r.pattern === "mesh" && r.ranks === "13" && r.inferred === "mesh"));
  const clean = rows.filter((r) => r.noise === "false");
  for (const r of clean) t.is(r.correct, "true", `${r.pattern} at ${r.ranks}: ${r.inferred}`);
  const noisy = rows.filter((r) => r.noise === "true");
  t.true(noisy.filter((r) => r.correct === "true").length / noisy.length >= 0.95);
  for (const r of clean) t.true(Number(r.detect_s) > 0 && Number(r.detect_s) < 15, `${r.pattern}: detected at ${r.detect_s}`);
  t.regex(out.files.get("graph.mesh.svg")!, /^<svg/);
});

test("damping suppresses oscillation on a workload that alternates faster than k updates; detection slows with the window", (t) => {
  const s = loadScenario(`${root}/scenarios/vttif-reactivity.json`, { sets: ["experiment.windows=[1,8]", "experiment.dampings=[1,3]"] });
  const out = runExperiment(s).stage("/nonexistent");
  const spurious = csvRows(out.files.get("spurious.csv")!);
  t.true(Number(spurious[0].spurious) >= 5, `damping 1: ${spurious[0].spurious}`);
  t.is(Number(spurious[1].spurious), 0);
  const det = csvRows(out.files.get("detection.csv")!);
  t.true(Number(det[1].latency_s) > Number(det[0].latency_s));
});

test("VTTIF's daemon reports are real messages: each costs its bytes on the links to the aggregator", (t) => {
  // A ring that is over before the first update (t = 1): then every report's size is known.
  const doc = (vttif: boolean) =>
    parseScenario({
      name: "t",
      duration: 10.5,
      platform: {
        hosts: [{ id: "node", count: 4 }, { id: "proxy" }],
        network: { topology: { kind: "switch", bandwidth: 1e8, latency: 1e-4 } },
        overlay: { enabled: true, proxy: "proxy" },
      },
      vms: [0, 1, 2, 3].map((i) => ({ id: `r${i}`, host: `node${i}` })),
      workloads: [{ kind: "bsp", id: "app", vms: ["r0", "r1", "r2", "r3"], pattern: "ring", messageBytes: 1e5, computeOps: 1e8, supersteps: 3 }],
      policies: { vttif: { enabled: vttif, interval: 1, reportHeader: 64, entryBytes: 16 } },
    });
  const on = runScenario(doc(true)), off = runScenario(doc(false));
  t.true(on.summary.metrics.app.finished as boolean);
  t.true((on.summary.metrics.app.runtime_s as number) < 1);
  // Ten updates from four daemons; the first carries each daemon's one row (its VM's ring edge).
  const perDaemon = 64 + 16 + 9 * 64;
  t.is(on.summary.metrics.vttif.control_bytes, 4 * perDaemon);
  const bytes = (r: typeof on) => new Map(r.world.linkStats().map((l) => [l.resource, l.bytes]));
  const a = bytes(on), b = bytes(off);
  for (const [link, x] of a) {
    const extra = x - b.get(link)!;
    const want = /^node\d>switch$/.test(link) ? perDaemon : link === "switch>proxy" ? 4 * perDaemon : 0;
    t.true(Math.abs(extra - want) < 1e-6, `${link}: ${extra} extra bytes, expected ${want}`);
  }
});

test("Wren converges to within 10% of the true available bandwidth, and has no data for a silent pair", (t) => {
  const s = loadScenario(`${root}/scenarios/wren-accuracy.json`);
  const out = runExperiment(s).stage("/nonexistent");
  const rows = csvRows(out.files.get("wren.csv")!).map((r) => ({ t: Number(r.t), error: Number(r.error) }));
  // Settled: the last 10 s of each cross-traffic step.
  const ends = [20, 45, 70, 95, 120];
  const settled = rows.filter((r) => ends.some((e) => r.t > e - 10 && r.t < e));
  t.true(settled.length > 20);
  for (const r of settled) t.true(Math.abs(r.error) < 0.1, `t=${r.t}: error ${r.error}`);
  const run = runScenario({ ...s, experiment: undefined, duration: 10 });
  const wren = (run.models.get("wren") as unknown as { wren: Wren }).wren;
  t.is(wren.estimate("c1", "c2").samples, 0);
  t.true(Number.isNaN(wren.estimate("c1", "c2").bandwidth));
  t.true(wren.estimate("a", "b").samples > 0);
});
