import test from "ava";
import type { AdaptLoop } from "../../sim/control/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { readFileSync } from "node:fs";
import { parseScenario } from "../../sim/scenario/index.js";
import { appGroups, edgeList, type Vttif } from "../../sim/vttif/index.js";
import { patternPhases } from "../../sim/workload/index.js";
import { root } from "../helpers.js";

const vttifOf = (r: ReturnType<typeof runScenario>) => (r.models.get("vttif") as unknown as { vttif: Vttif }).vttif;

/** A committed scenario without its experiment block, with `sets` applied. */
function run(file: string, sets: string[]) {
  const doc = JSON.parse(readFileSync(`${root}/scenarios/${file}`, "utf8"));
  delete doc.experiment;
  return runScenario(parseScenario(doc, { sets, baseDir: `${root}/scenarios` }));
}

const vms = (prefix: string, n: number, from: number) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, host: `node${from + i}` }));
const bsp = (id: string, ranks: string[], pattern: string, messageBytes: number) => ({ kind: "bsp", id, vms: ranks, pattern, messageBytes, computeOps: 1e8, supersteps: 1e6 });

test("applications sharing a VM form one group; groups keep the order of their first application", (t) => {
  t.deepEqual(appGroups(undefined).map((g) => g.id), ["*"]);
  t.is(appGroups([]).at(0)!.vms, undefined);
  const g = appGroups([
    { id: "a", vms: ["v1", "v2"] },
    { id: "b", vms: ["v3"] },
    { id: "c", vms: ["v4", "v5"] },
    { id: "d", vms: ["v2", "v4"] },
  ]);
  t.deepEqual(g.map((x) => x.id), ["a+c+d", "b"]);
  t.deepEqual([...g[0].vms!].sort(), ["v1", "v2", "v4", "v5"]);
});

test("two applications on one overlay each get their own report, normalised by their own traffic", (t) => {
  // A ring of 5 with 1 MB messages beside an all-to-all of 4 with 10 KB: over the whole matrix
  // every B entry is 1% of the largest and would be pruned at the 0.1 threshold.
  const r = run("vttif-patterns.json", [
    "duration=20",
    `vms=${JSON.stringify([...vms("a", 5, 0), ...vms("b", 4, 5)])}`,
    `workloads=${JSON.stringify([bsp("A", ["a0", "a1", "a2", "a3", "a4"], "ring", 1e6), bsp("B", ["b0", "b1", "b2", "b3"], "all-to-all", 1e4)])}`,
  ]);
  const v = vttifOf(r);
  t.deepEqual(v.apps, ["A", "B"]);
  t.is(v.latest("A")?.topology, "ring");
  t.is(v.latest("B")?.topology, "all-to-all");
  t.is(v.latest("B")!.src.length, 12);
  // Every B pair carries the same traffic: weights near 1 of B's own maximum.
  for (const [, , w] of edgeList(v.latest("B")!)) t.true(w > 0.9 && w <= 1, `weight ${w}`);
  // Consumers see the union: both applications' edges.
  const cur = v.current!;
  t.is(cur.app, "A,B");
  t.is(cur.src.length, 5 + 12);
  t.is(cur.vms.length, 9);
  t.is(cur.topology, "unknown");
  t.true(v.reports.every((x) => x.app === "A" || x.app === "B"));
  t.is(r.summary.metrics.vttif["topology.A"], "ring");
  t.is(r.summary.metrics.vttif["topology.B"], "all-to-all");
});

test("a graph that matches no pattern is reported as unknown, with its edges", (t) => {
  // Two workloads on the same VMs are one group: a one-way ring plus a two-way tree is no pattern.
  const ranks = ["a0", "a1", "a2", "a3", "a4"];
  const r = run("vttif-patterns.json", ["duration=20", `vms=${JSON.stringify(vms("a", 5, 0))}`, `workloads=${JSON.stringify([bsp("R", ranks, "ring", 1e6), bsp("T", ranks, "tree", 1e6)])}`]);
  const v = vttifOf(r);
  t.deepEqual(v.apps, ["R+T"]);
  t.true(v.reports.length >= 1);
  const last = v.current!;
  t.is(last.app, "R+T");
  t.is(last.topology, "unknown");
  const want = new Set<string>();
  for (const p of ["ring", "tree"] as const) for (const phase of patternPhases(p, 5)) for (const [a, b] of phase) want.add(`${ranks[a]}>${ranks[b]}`);
  t.deepEqual(edgeList(last).map(([a, b]) => `${a}>${b}`).sort(), [...want].sort());
  t.is(r.summary.metrics.vttif.topology, "unknown");
});

test("an application that never communicates gets no report, and an empty graph is never reported", (t) => {
  const r = run("vttif-patterns.json", [
    "duration=12",
    `vms=${JSON.stringify([...vms("a", 4, 0), ...vms("b", 1, 4)])}`,
    `workloads=${JSON.stringify([bsp("A", ["a0", "a1", "a2", "a3"], "all-to-all", 1e5), bsp("B", ["b0"], "ring", 1e5)])}`,
  ]);
  const v = vttifOf(r);
  t.is(v.latest("B"), undefined);
  t.is(v.current?.app, "A");
  t.true(v.reports.every((x) => x.src.length > 0));
});

test("VRESERVE acts on two applications' graphs: a lightpath for each heavy pair", (t) => {
  // Two heavy pairs across the WAN, each its own application: the union graph is two
  // disconnected edges (no pattern), yet each pair is reported and reserved for.
  const r = run("vreserve.json", [
    "duration=60",
    "policies.vreserve.enabled=true",
    'vms=[{"id":"x","host":"a0"},{"id":"y","host":"b0"},{"id":"u","host":"a1"},{"id":"w","host":"b1"}]',
    `workloads=${JSON.stringify([{ ...bsp("p1", ["x", "y"], "ring", 8e6), computeOps: 2e8 }, { ...bsp("p2", ["u", "w"], "ring", 8e6), computeOps: 2e8 }])}`,
  ]);
  const v = vttifOf(r);
  t.is(v.latest("p1")?.topology, "all-to-all");
  t.is(v.latest("p2")?.topology, "all-to-all");
  t.is(v.current!.topology, "unknown");
  const m = r.summary.metrics.vreserve;
  t.is(m.requested, 2);
  t.is(m.ready, 2);
  t.is(r.world.topo.links.filter((l) => l.name.startsWith("lightpath:")).length, 2);
});

test("the VADAPT loop sees every application's graph: two pairs, two demand edges, decisions made", (t) => {
  const r = run("vreserve.json", [
    "duration=40",
    'vms=[{"id":"x","host":"a0"},{"id":"y","host":"b0"},{"id":"u","host":"a1"},{"id":"w","host":"b1"}]',
    `workloads=${JSON.stringify([{ ...bsp("p1", ["x", "y"], "ring", 8e6), computeOps: 2e8 }, { ...bsp("p2", ["u", "w"], "ring", 8e6), computeOps: 2e8 }])}`,
    'policies.adapt={"enabled":true,"vms":["x","y","u","w"],"hosts":["a0","a1","b0","b1"],"mode":"overlay","interval":10,"firstAt":10}',
  ]);
  const loop = (r.models.get("adapt") as unknown as { loop: AdaptLoop }).loop;
  const p = loop.problem()!;
  t.deepEqual(p.edges.map((e) => `${p.vms[e.a]}-${p.vms[e.b]}`).sort(), ["u-w", "x-y"]);
  for (const e of p.edges) t.true(e.demand > 1e6, `demand ${e.demand}`);
  t.true(loop.decisions.length >= 2);
});
