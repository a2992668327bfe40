/**
 * VADAPT with the compute term (policies.adapt.availability): deciding on AR forecasts of host
 * availability makes fewer needless migrations than on the load read at each decision, under
 * heavy-tailed on-off CPU load, without finishing later; a zero weight changes nothing; the
 * confirmation damping; and the background the loop samples is the host's load less its own VMs'.
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AdaptLoop } from "../../sim/control/index.js";
import { needless } from "../../sim/experiments/prediction-cpu.js";
import { runExperiment } from "../../sim/experiments/index.js";
import { clusterProblems } from "../../sim/live/cluster/index.js";
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
  doc.experiment = { kind: "prediction", synthetic: { samples: 300 }, window: 100, levels: [0.8], adaptCpu: { ...doc.experiment.adaptCpu, duration: 700, variants: ["last", "ar"] } };
  return parseScenario(doc);
}

test("on AR forecasts of host availability VADAPT makes at most half the needless migrations it makes on last readings, over three seeds, and never finishes more than 3% later", (t) => {
  let needlessLast = 0, needlessAr = 0;
  for (const seed of [1, 2, 3]) {
    const summary = runExperiment(experiment(seed)).summary;
    // A function of scenario and seed.
    if (seed === 1) t.deepEqual(runExperiment(experiment(seed)).summary, summary);
    const m = summary.metrics as Record<string, Record<string, number>>;
    const last = m.adapt_cpu_last, ar = m.adapt_cpu_ar;
    t.log(`seed ${seed}: last ${last.migrations} migrations (${last.needless} needless), ${last.runtime_s.toFixed(1)} s; ar ${ar.migrations} (${ar.needless}), ${ar.runtime_s.toFixed(1)} s`);
    t.true(ar.needless <= last.needless, `seed ${seed}: ${ar.needless} needless against ${last.needless}`);
    t.true(ar.migrations <= last.migrations, `seed ${seed}: ${ar.migrations} migrations against ${last.migrations}`);
    t.true(ar.runtime_s <= 1.03 * last.runtime_s, `seed ${seed}: ${ar.runtime_s} s against ${last.runtime_s} s`);
    needlessLast += last.needless;
    needlessAr += ar.needless;
  }
  t.true(needlessLast >= 10, `the on-off load provokes the last-reading loop: ${needlessLast} needless`);
  t.true(needlessAr <= needlessLast / 2, `${needlessAr} needless against ${needlessLast}`);
});

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
function loopScenario(availability?: { weight: number; predicted: boolean }, confirm = 1) {
  const doc = single();
  doc.policies.adapt.confirm = confirm;
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

test("confirm 2: the loop moves v0 off the loaded host one decision later than at once", (t) => {
  const now = loopScenario({ weight: 1e8, predicted: false }), later = loopScenario({ weight: 1e8, predicted: false }, 2);
  const first = (x: typeof now) => x.loop.migrations.find((m) => m.vm === "v0" && m.from === "h0")!;
  t.is(first(later).start - first(now).start, now.loop.spec.interval);
  t.regex(later.loop.decisions.find((d) => d.t === first(now).start)!.reason, /^moving v0 proposed 1 of 2 times in a row$/);
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

test("live --cluster refuses the compute term by path (it has no host load sensor for VADAPT)", (t) => {
  const doc = single();
  doc.policies.adapt = { ...doc.policies.adapt, mode: "overlay", maxHops: 1, availability: { weight: 1 } };
  const cluster = { hosts: doc.platform.hosts.map((h: { id: string }) => ({ id: h.id })) } as unknown as Parameters<typeof clusterProblems>[1];
  const refused = clusterProblems(parseScenario(doc), cluster);
  t.true(refused.some((p) => p.startsWith("policies.adapt.availability: live --cluster has no host load sensor")), refused.join("\n"));
  delete doc.policies.adapt.availability;
  t.false(clusterProblems(parseScenario(doc), cluster).some((p) => p.startsWith("policies.adapt.availability")));
});
