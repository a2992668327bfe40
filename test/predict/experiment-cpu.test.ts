/**
 * VADAPT with the compute term (policies.adapt.availability): deciding on forecast host
 * availability makes fewer needless migrations than on the load read at each decision, under
 * heavy-tailed on-off CPU load, without finishing later; a zero weight changes nothing; and the
 * background the loop samples is the host's load less its own VMs'.
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AdaptLoop } from "../../sim/control/index.js";
import { needless } from "../../sim/experiments/prediction-cpu.js";
import { runExperiment } from "../../sim/experiments/index.js";
import { SimLoadSensor } from "../../sim/platform/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import type { BspApp } from "../../sim/workload/index.js";
import { root } from "../helpers.js";

const base = () => {
  const doc = JSON.parse(readFileSync(join(root, "scenarios/prediction.json"), "utf8"));
  delete doc.$schema;
  return doc;
};

/** The scenario without its experiment, hosts listed one by one (h0..h5, sink). */
const single = () => {
  const doc = base();
  delete doc.experiment;
  doc.platform.hosts = [...Array.from({ length: 6 }, (_, i) => ({ id: `h${i}`, speed: 1e9 })), { id: "sink", speed: 1e9 }];
  return doc;
};

function experiment(seed: number) {
  const doc = base();
  doc.seed = seed;
  doc.workloads[0].supersteps = 300;
  // Only the CPU-load part, on a shorter run.
  doc.experiment = { kind: "prediction", synthetic: { samples: 300 }, window: 100, levels: [0.8], adaptCpu: { ...doc.experiment.adaptCpu, duration: 700, variants: ["last", "ar", "nws"] } };
  return parseScenario(doc);
}

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: on forecast availability VADAPT makes at most half the needless migrations it makes on last readings, and finishes no more than 3% later`, (t) => {
    const m = runExperiment(experiment(seed)).summary.metrics as Record<string, Record<string, number>>;
    const last = m.adapt_cpu_last, ar = m.adapt_cpu_ar, nws = m.adapt_cpu_nws;
    t.log(`last ${last.migrations} migrations (${last.needless} needless), ${last.runtime_s} s; ar ${ar.migrations} (${ar.needless}), ${ar.runtime_s} s; nws ${nws.migrations} (${nws.needless}), ${nws.runtime_s} s`);
    t.true(last.needless >= 5, "the on-off load provokes the last-reading loop");
    for (const [name, x] of [["ar", ar], ["nws", nws]] as const) {
      t.true(x.needless <= 0.7 * last.needless, `${name}: ${x.needless} needless against ${last.needless}`);
      t.true(x.runtime_s <= 1.03 * last.runtime_s, `${name}: ${x.runtime_s} s against ${last.runtime_s} s`);
    }
    t.true(ar.needless <= last.needless / 2 && ar.migrations <= last.migrations / 2);
  });
}

test("needless counts a migration whose VM moves again within `soon` seconds of its end", (t) => {
  const log = [
    { vm: "a", start: 0, end: 10 },
    { vm: "b", start: 5, end: 12 },
    { vm: "a", start: 60, end: 70 }, // 50 s after a's first ended: the first was needless
    { vm: "b", start: 100, end: 110 }, // 88 s after: not within 60
    { vm: "a", start: 130, end: NaN }, // 60 s after a's second ended: needless (bound included)
  ];
  t.is(needless(log, 60), 2);
  t.is(needless(log, 49), 0);
  t.is(needless(log, 1000), 3);
});

/** The scenario's VADAPT with on-off CPU load written out, short. */
function loopScenario(availability?: { weight: number; predicted: boolean }) {
  const doc = single();
  doc.duration = 300;
  doc.workloads[0].supersteps = 120;
  doc.platform.hosts[0].externalLoad = { kind: "steps", steps: [{ at: 20, level: 1 }, { at: 70, level: 0 }, { at: 150, level: 1 }] };
  doc.platform.hosts[4].externalLoad = { kind: "steps", steps: [{ at: 0, level: 2 }, { at: 90, level: 0 }] };
  if (availability) doc.policies.adapt.availability = availability;
  const r = runScenario(parseScenario(doc));
  return { r, loop: (r.models.get("adapt") as unknown as { loop: AdaptLoop }).loop, steps: (r.models.get("app") as BspApp).steps };
}

test("availability with weight 0 (its load forecasts sampled) decides exactly as without it; with a weight, the loop leaves the loaded host", (t) => {
  const off = loopScenario(), zero = loopScenario({ weight: 0, predicted: true });
  t.true(off.loop.decisions.length > 5);
  t.deepEqual(zero.loop.decisions, off.loop.decisions);
  t.deepEqual(zero.loop.migrations, off.loop.migrations);
  t.deepEqual(zero.steps, off.steps);
  // Host h0 (v0's) is loaded from 20 s to 70 s: read at each decision, a weighted term moves v0 away,
  // and to no host loaded at the time (h4 is until 90 s).
  const on = loopScenario({ weight: 1e8, predicted: false });
  const away = on.loop.migrations.find((m) => m.vm === "v0" && m.from === "h0");
  t.truthy(away, JSON.stringify(on.loop.migrations));
  // Without the term nothing tells the loop h0 is loaded.
  t.false(off.loop.migrations.some((m) => m.vm === "v0" && m.from === "h0" && m.start < 70));
  t.true(away!.start > 20 && away!.start < 70);
  t.false(on.loop.migrations.some((m) => m.to === "h4" && m.start < 90));
});

test("the background a VM would compete with is the host's load less the loop's own VMs'", (t) => {
  const doc = single();
  doc.duration = 5;
  doc.platform.hosts[0].externalLoad = { kind: "constant", level: 1.5 };
  const r = runScenario(parseScenario(doc));
  const s = new SimLoadSensor(r.world);
  // At the end v0 computes (demand 1 core) beside 1.5 cores of other load.
  t.is(s.background("h0", ["v0", "v1", "v2", "v3"]), 1.5);
  t.is(s.background("h0", []), s.load("h0"));
  t.is(s.background("h5", ["v0"]), 0);
  t.is(s.cores("h0"), 1);
});
