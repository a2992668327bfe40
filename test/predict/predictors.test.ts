/** Mean predictors, the NWS ensemble, the ring buffer and the synthetic load against known processes. */
import test from "ava";
import fc from "fast-check";
import { Rng } from "../../sim/kernel/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ensemble, History, ar, arSeries, bestMean, fgn, fgnAutocovariance, last, overallMean, selfSimilarLoad, windowMean, type Predictor } from "../../sim/predict/index.js";
import { root } from "../helpers.js";

/** Mean squared h-step error of a predictor run online over x (after `warm` samples). */
function mse(p: Predictor, x: ArrayLike<number>, h = 1, warm = 200): number {
  let s = 0, c = 0;
  for (let i = 0; i + h < x.length; i++) {
    p.observe(x[i]);
    if (i < warm) continue;
    s += (x[i + h] - p.forecast(h).mean[h - 1]) ** 2;
    c++;
  }
  return s / c;
}

test("History keeps the newest `capacity` samples in order (property)", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.double({ noNaN: true }), { maxLength: 60 }), (cap, xs) => {
      const h = new History(cap);
      xs.forEach((x) => h.push(x));
      const expect = xs.slice(-cap);
      const got = Array.from(h.ordered());
      return h.size === expect.length && got.every((v, i) => Object.is(v, expect[i])) && expect.every((v, i) => Object.is(h.back(i), expect[expect.length - 1 - i]));
    }),
  );
  t.pass();
});

test("on white noise MEAN beats LAST (MSE about sigma^2 against 2 sigma^2)", (t) => {
  const rng = new Rng("white", 1);
  const x = Float64Array.from({ length: 20_000 }, () => 5 + 2 * rng.normal());
  const m = mse(overallMean({ window: 1000, refit: 10 }), x), l = mse(last({ window: 1000, refit: 10 }), x);
  t.true(Math.abs(m / 4 - 1) < 0.05, `MEAN ${m}`);
  t.true(Math.abs(l / 8 - 1) < 0.05, `LAST ${l}`);
});

test("mean predictors' error variance matches their realised errors at horizons 1 and 10", (t) => {
  const x = arSeries(new Rng("ar1.mean", 2), [0.9], 1, 16_000);
  for (const make of [() => last({ window: 2000, refit: 50 }), () => windowMean(10, { window: 2000, refit: 50 }), () => bestMean(16, { window: 2000, refit: 50 })]) {
    for (const h of [1, 10]) {
      const p = make();
      let s = 0, v = 0, c = 0;
      for (let i = 0; i + h < x.length; i++) {
        p.observe(x[i]);
        if (i < 2000) continue;
        const f = p.forecast(h);
        s += (x[i + h] - f.mean[h - 1]) ** 2;
        v += f.variance[h - 1];
        c++;
      }
      t.true(Math.abs(s / v - 1) < 0.1, `${p.name} h=${h}: realised ${s / c}, predicted ${v / c}`);
    }
  }
});

test("BM(p) picks a long mean on white noise and a short one on a near random walk", (t) => {
  const rng = new Rng("bm", 3);
  const white = Float64Array.from({ length: 3000 }, () => rng.normal());
  const walk = arSeries(rng, [0.99], 1, 3000);
  const a = bestMean(32, { window: 3000, refit: 3000 }), b = bestMean(32, { window: 3000, refit: 3000 });
  white.forEach((v) => a.observe(v));
  walk.forEach((v) => b.observe(v));
  t.true(a.k >= 16, `white noise k=${a.k}`);
  t.true(b.k <= 3, `random walk k=${b.k}`);
});

const series: [string, () => Float64Array][] = [
  ["white noise", () => { const r = new Rng("s.white", 4); return Float64Array.from({ length: 8000 }, () => r.normal()); }],
  ["AR(1) 0.95", () => arSeries(new Rng("s.ar1", 4), [0.95], 1, 8000)],
  ["AR(2) 0.6 -0.3", () => arSeries(new Rng("s.ar2", 4), [0.6, -0.3], 1, 8000)],
  ["fGn H=0.8", () => fgn(new Rng("s.fgn", 4), 4000, 0.8)],
  ["level shifts", () => { const r = new Rng("s.shift", 4); return Float64Array.from({ length: 8000 }, (_, i) => (Math.floor(i / 700) % 3) + 0.3 * r.normal()); }],
];

for (const [name, make] of series) {
  test(`NWS ensemble on ${name}: never worse than its worst member, within 5% of its best`, (t) => {
    const x = make();
    const members = () => [last({ window: 500, refit: 10 }), overallMean({ window: 500, refit: 10 }), bestMean(16, { window: 500, refit: 10 }), ar(8, "yule-walker", { window: 500, refit: 10 })];
    const own = members().map((m) => mse(m, x));
    const e = mse(new Ensemble(members(), 100), x);
    t.true(e <= Math.max(...own), `ensemble ${e}, members ${own}`);
    t.true(e <= 1.05 * Math.min(...own), `ensemble ${e}, members ${own}`);
  });
}

test("fGn: lag-1 autocorrelation and the aggregated-variance Hurst estimate match H", (t) => {
  for (const H of [0.5, 0.7, 0.9]) {
    const x = fgn(new Rng(`fgn.${H}`, 5), 4096, H);
    let r1 = 0, v = 0;
    for (let i = 0; i < x.length; i++) v += x[i] ** 2;
    for (let i = 1; i < x.length; i++) r1 += x[i] * x[i - 1];
    t.true(Math.abs(r1 / v - fgnAutocovariance(1, H)) < 0.06, `H=${H}: r1 ${r1 / v}`);
    // Var(mean of m) ~ m^(2H-2): slope of log variance against log m over m = 1..64.
    const pts: [number, number][] = [];
    for (let m = 1; m <= 64; m *= 2) {
      const means: number[] = [];
      for (let i = 0; i + m <= x.length; i += m) means.push(x.subarray(i, i + m).reduce((a, b) => a + b, 0) / m);
      const mu = means.reduce((a, b) => a + b, 0) / means.length;
      pts.push([Math.log(m), Math.log(means.reduce((a, b) => a + (b - mu) ** 2, 0) / means.length)]);
    }
    const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length, my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
    const slope = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
    t.true(Math.abs(1 + slope / 2 - H) < 0.08, `H=${H}: estimated ${1 + slope / 2}`);
  }
});

test("fGn is a function of its stream: same name and seed, same samples", (t) => {
  t.deepEqual(fgn(new Rng("x", 1), 200, 0.8), fgn(new Rng("x", 1), 200, 0.8));
  t.notDeepEqual(fgn(new Rng("x", 1), 200, 0.8), fgn(new Rng("y", 1), 200, 0.8));
});

/** The recorded load average of this machine (720 samples, 1 s apart). */
const trace = () => Float64Array.from(readFileSync(join(root, "scenarios/traces/this-machine-loadavg.csv"), "utf8").trim().split("\n").slice(1), (l) => Number(l.split(",")[1]));
const selfSimilar = (seed: number) => () => Float64Array.from(selfSimilarLoad(new Rng("s.load", seed), { hurst: 0.8, mean: 1, sd: 0.5, samples: 3000, interval: 1 }), (r) => r[1]);
const perHorizon: [string, () => Float64Array][] = [...series.slice(1, 4), ["the recorded trace", trace], ["self-similar load, seed 1", selfSimilar(1)], ["self-similar load, seed 2", selfSimilar(2)], ["self-similar load, seed 3", selfSimilar(3)]];

for (const [name, make] of perHorizon) {
  test(`NWS scored per horizon on ${name}: at horizons 1, 5, 15 and 30 never worse than its worst member, within 5% of its best`, (t) => {
    const x = make().subarray(0, 3000);
    const s = { window: 300, refit: 5, horizon: 30 };
    const members = () => [last(s), overallMean(s), bestMean(16, s), ar(16, "yule-walker", s)];
    for (const h of [1, 5, 15, 30]) {
      const own = members().map((m) => mse(m, x, h, 300));
      const e = mse(new Ensemble(members(), 300, 1, 30), x, h, 300);
      t.true(e <= Math.max(...own), `h=${h}: ensemble ${e}, members ${own}`);
      t.true(e <= 1.05 * Math.min(...own), `h=${h}: ensemble ${e}, members ${own}`);
    }
  });
}

test("NWS weights per horizon sum to 1 and favour the member that erred least there", (t) => {
  const s = { window: 300, refit: 5, horizon: 30 };
  const e = new Ensemble([last(s), overallMean(s)], 300, 1, 30);
  // AR(1) 0.95: LAST is the better forecaster one step ahead, MEAN 30 steps ahead.
  arSeries(new Rng("w.ar1", 1), [0.95], 1, 2000).forEach((v) => e.observe(v));
  const w1 = e.weightsAt(1), w30 = e.weightsAt(30);
  t.true(Math.abs(w1[0] + w1[1] - 1) < 1e-12 && Math.abs(w30[0] + w30[1] - 1) < 1e-12);
  t.true(w1[0] > 0.6, `one step: ${w1}`);
  t.true(w30[1] > 0.5, `30 steps: ${w30}`);
});
