import test from "ava";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import type { BspApp } from "../../sim/workload/index.js";
import { root } from "../helpers.js";

function run(sets: string[]) {
  const s = loadScenario(`${root}/scenarios/vreserve.json`, { sets: ["policies.vreserve.enabled=true", "duration=120", ...sets] });
  const r = runScenario({ ...s, experiment: undefined });
  const steps = (r.models.get("pair") as BspApp).steps;
  const rate = (from: number, to: number) => steps.filter((x) => x.end >= from && x.end < to).length / (to - from);
  return { r, rate, log: r.summary.metrics.vreserve };
}

test("a heavy pair gets a lightpath after the setup delay, and its throughput rises once it is up", (t) => {
  const { r, rate, log } = run([]);
  t.is(log.requested, 1);
  t.is(log.ready, 1);
  const ready = log.first_ready_s as number;
  t.true(ready >= 30);
  t.true(r.world.topo.links.some((l) => l.name.startsWith("lightpath:")));
  // Before: the 10 MB/s WAN carries 16 MB a superstep; after: the 125 MB/s lightpath.
  t.true(rate(ready + 5, 120) > 2.5 * rate(10, ready - 5), `${rate(10, ready - 5)} -> ${rate(ready + 5, 120)}`);
});

test("a pair below the demand floor gets no lightpath", (t) => {
  const { r, log } = run(["policies.vreserve.minDemand=1e9"]);
  t.is(log.requested, 0);
  t.false(r.world.topo.links.some((l) => l.name.startsWith("lightpath:")));
});

test("every VM pair behind a reserved host pair moves onto the lightpath, across applications", (t) => {
  // Two applications, each a pair from a0 to b0, through the VNET star (Proxy on a1): one
  // host pair, one lightpath, and both pairs' rules point at it.
  const { r } = run([
    "platform.overlay.mode=star",
    "platform.overlay.proxy=a1",
    'vms=[{"id":"x","host":"a0"},{"id":"y","host":"b0"},{"id":"u","host":"a0"},{"id":"w","host":"b0"}]',
    `workloads=${JSON.stringify(["pair", "other"].map((id, i) => ({ kind: "bsp", id, vms: i ? ["u", "w"] : ["x", "y"], pattern: "ring", messageBytes: 8e6, computeOps: 2e8, supersteps: 1e6 })))}`,
  ]);
  const log = r.summary.metrics.vreserve;
  t.is(log.requested, 1);
  t.is(log.ready, 1);
  const ready = log.first_ready_s as number;
  const vm = (id: string) => r.world.vms.get(id)!;
  for (const [a, b] of [["x", "y"], ["y", "x"], ["u", "w"], ["w", "u"]]) t.deepEqual(r.world.vnet.path(vm(a), vm(b)).map((h) => h.id), [vm(a).host.id, vm(b).host.id], `${a}->${b}`);
  for (const id of ["pair", "other"]) {
    const steps = (r.models.get(id) as BspApp).steps;
    const rate = (from: number, to: number) => steps.filter((x) => x.end >= from && x.end < to).length / (to - from);
    // The two pairs share the 10 MB/s WAN before (32 MB a superstep between them); after, 125 MB/s.
    t.true(rate(ready + 5, 120) > 2.5 * rate(10, ready - 5), `${id}: ${rate(10, ready - 5)} -> ${rate(ready + 5, 120)}`);
  }
});
