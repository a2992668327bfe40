/**
 * The running-time advisor against tasks run under fair sharing: a task needing T CPU-seconds
 * on a host with load L (competitors in cores' worth) gets 1/(1+L) of a core; its real running
 * time is found by integrating that rate over the load series, not by the advisor's formula.
 */
import test from "ava";
import { Rng } from "../../sim/kernel/index.js";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { adviseHosts, ar, placeBatch, arSeries, Ensemble, bestMean, last, overallMean, runningTime, selfSimilarLoad, TrackedAdvisor, type Predictor } from "../../sim/predict/index.js";
import { root } from "../helpers.js";

/** Seconds a task needing `work` CPU-seconds takes from sample index i (load piecewise constant per 1 s). */
function fairShareTime(load: ArrayLike<number>, i: number, work: number): number {
  let t = 0;
  for (let j = i; j < load.length; j++) {
    const rate = 1 / (1 + Math.max(0, load[j]));
    if (work <= rate) return t + work / rate;
    work -= rate;
    t += 1;
  }
  return NaN;
}

function coverage(make: () => Predictor, level: number, nominal: number): number {
  // Load: AR(1) about 1 core, strongly autocorrelated, as host load is.
  const load = arSeries(new Rng(`rta.load.${nominal}`, 11), [0.95], 0.1, 30_000, 1);
  const p = make();
  let hit = 0, n = 0;
  for (let i = 0; i + 200 < load.length; i++) {
    p.observe(load[i]);
    if (i < 4000 || i % 7) continue;
    const a = runningTime(p, nominal, 1, level);
    const real = fairShareTime(load, i + 1, nominal);
    if (real >= a.lo && real <= a.hi) hit++;
    n++;
  }
  return hit / n;
}

for (const level of [0.8, 0.95]) {
  for (const nominal of [5, 30]) {
    test(`AR(16) advisor: ${level * 100}% intervals for ${nominal} s tasks cover about ${level * 100}%`, (t) => {
      const c = coverage(() => ar(16, "yule-walker", { window: 4000, refit: 50, horizon: 60 }), level, nominal);
      t.true(Math.abs(c - level) < 0.04, `coverage ${c}`);
    });
  }
}

test("the NWS ensemble's advice covers near its level too", (t) => {
  const s = { window: 4000, refit: 50, horizon: 60 };
  const c = coverage(() => new Ensemble([last(s), overallMean(s), bestMean(16, s), ar(16, "yule-walker", s)], 60), 0.9, 10);
  t.true(Math.abs(c - 0.9) < 0.06, `coverage ${c}`);
});

/** Coverage of a tracked advisor's intervals, tasks started at every sample from `warm` on. */
function trackedCoverage(make: () => Predictor, load: Float64Array, nominal: number, levels: number[], warm = 300): number[] {
  const a = new TrackedAdvisor(make(), 1, [nominal]);
  const hit = levels.map(() => 0);
  let n = 0;
  for (let i = 0; i < load.length; i++) {
    a.observe(load[i]);
    if (i + 1 < warm) continue;
    const real = fairShareTime(load, i + 1, nominal);
    if (Number.isNaN(real)) break;
    n++;
    levels.forEach((l, k) => {
      const r = a.runningTime(nominal, l);
      if (real >= r.lo && real <= r.hi) hit[k]++;
    });
  }
  return hit.map((h) => h / n);
}

const s300 = { window: 300, refit: 5, horizon: 120 };
const advisors: [string, () => Predictor][] = [
  ["AR(16)", () => ar(16, "yule-walker", s300)],
  ["NWS", () => new Ensemble([last(s300), overallMean(s300), bestMean(16, s300), ar(16, "yule-walker", s300)], 300, 1, 30)],
];

for (const seed of [1, 2]) {
  for (const [name, make] of advisors) {
    test(`tracked ${name} advisor on self-similar load (H = 0.8, seed ${seed}), 300-sample window: 80% and 95% intervals for 10 s tasks cover within 4 points`, (t) => {
      const load = Float64Array.from(selfSimilarLoad(new Rng("rta.selfsimilar", seed), { hurst: 0.8, mean: 1, sd: 0.5, samples: 3500, interval: 1 }), (r) => r[1]);
      const [c80, c95] = trackedCoverage(make, load, 10, [0.8, 0.95]);
      t.log({ c80, c95 });
      t.true(Math.abs(c80 - 0.8) <= 0.04, `80%: ${c80}`);
      t.true(Math.abs(c95 - 0.95) <= 0.04, `95%: ${c95}`);
    });
  }
}

for (const [name, make] of advisors) {
  test(`tracked ${name} advisor on the recorded load trace, 300-sample window: 80%, 90% and 95% intervals for 1 s tasks cover within 5 points`, (t) => {
    const load = Float64Array.from(readFileSync(join(root, "scenarios/traces/this-machine-loadavg.csv"), "utf8").trim().split("\n").slice(1), (l) => Number(l.split(",")[1]));
    // About 25 independent task runs after the window fills: a wider tolerance than on 3,500 samples.
    const c = trackedCoverage(make, load, 1, [0.8, 0.9, 0.95]);
    t.log(c);
    [0.8, 0.9, 0.95].forEach((l, k) => t.true(Math.abs(c[k] - l) <= 0.05, `${l}: ${c[k]}`));
  });
}

test("host selection prefers the host whose interval ends lowest", (t) => {
  const mk = (level: number, noise: number, name: string) => {
    const p = ar(2, "yule-walker", { window: 500, refit: 10 });
    const x = arSeries(new Rng(name, 1), [0.5], noise, 600, level);
    x.forEach((v) => p.observe(v));
    return p;
  };
  // b: lower mean load but wild; a: a little higher and steady; c: high.
  const hosts = new Map([["a", mk(0.6, 0.01, "a")], ["b", mk(0.4, 1, "b")], ["c", mk(2, 0.01, "c")]]);
  const advice = adviseHosts(hosts, 10, 1, 0.95);
  t.deepEqual(advice.map((x) => x.host), ["a", "b", "c"]);
  t.true(advice[1].expected < advice[0].expected);
  for (const x of advice) t.true(x.lo <= x.expected && x.expected <= x.hi);
});

test("batch placement on steady loads reaches the brute-force best worst-host load (property)", (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 3 }), fc.integer({ min: 1, max: 5 }), (levels, n) => {
      // Steady loads: each host's series is its level with tiny noise, so forecasts are the level.
      const loads = new Map(levels.map((l, i) => {
        const p = ar(1, "yule-walker", { window: 100, refit: 100 });
        const r = new Rng(`steady.${i}`, 1);
        for (let k = 0; k < 100; k++) p.observe(l + 1e-6 * r.normal());
        return [`h${i}`, p] as const;
      }));
      const tasks = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, nominal: 5 }));
      const at = placeBatch(tasks, loads, 1);
      const worst = (count: number[]) => Math.max(...levels.map((l, i) => (count[i] > 0 ? l + count[i] : -Infinity)));
      const got = levels.map((_, i) => [...at.values()].filter((h) => h === `h${i}`).length);
      // Brute force over every assignment of n identical tasks.
      let best = Infinity;
      const rec = (k: number, count: number[]) => {
        if (k === n) return void (best = Math.min(best, worst(count)));
        for (let i = 0; i < levels.length; i++) {
          count[i]++;
          rec(k + 1, count);
          count[i]--;
        }
      };
      rec(0, levels.map(() => 0));
      return Math.abs(worst(got) - best) < 1e-3;
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test("a tracked advisor corrects a biased load model: its 90% intervals cover about 90% where the model's cover none", (t) => {
  // Load: 1 core plus small iid noise. The "model" believes 0.5 with a tiny sd: every model interval misses.
  const r = new Rng("rta.biased", 1);
  const load = Float64Array.from({ length: 3000 }, () => 1 + 0.2 * r.normal());
  let n = 0;
  const biased: Predictor = {
    name: "biased",
    get count() { return n; },
    observe: () => void n++,
    forecast: (h) => ({ mean: new Float64Array(h).fill(0.5), variance: new Float64Array(h).fill(0.01) }),
    aggregate: () => ({ mean: 0.5, variance: 0.01 }),
  };
  const a = new TrackedAdvisor(biased, 1, [4]);
  let hit = 0, modelHit = 0, k = 0;
  for (let i = 0; i + 50 < load.length; i++) {
    a.observe(load[i]);
    if (i < 2100) continue;
    const real = fairShareTime(load, i + 1, 4), iv = a.runningTime(4, 0.9), m = runningTime(biased, 4, 1, 0.9);
    if (real >= iv.lo && real <= iv.hi) hit++;
    if (real >= m.lo && real <= m.hi) modelHit++;
    k++;
  }
  t.is(modelHit, 0);
  t.true(Math.abs(hit / k - 0.9) < 0.04, `${hit / k}`);
});
