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
