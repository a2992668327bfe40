import test from "ava";
import { runExperiment } from "../../sim/experiments/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
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

test("VTTIF's daemon reports are real messages: inference costs traffic", (t) => {
  const s = loadScenario(`${root}/scenarios/vttif-reactivity.json`, { sets: ["duration=10"] });
  const r = runScenario({ ...s, experiment: undefined });
  t.true((r.summary.metrics.vttif.control_bytes as number) > 0);
  t.true(r.world.net.completed > 0);
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
