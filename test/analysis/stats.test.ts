import test from "ava";
import fc from "fast-check";
import { Rng } from "../../sim/kernel/index.js";
import { quantile, studentTCdf, studentTQuantile, summarize } from "../../analysis/index.js";

test("Student-t quantiles match the published table", (t) => {
  const table: [number, number, number][] = [
    [0.975, 1, 12.706],
    [0.975, 2, 4.303],
    [0.975, 5, 2.571],
    [0.975, 9, 2.262],
    [0.975, 30, 2.042],
    [0.95, 10, 1.812],
    [0.995, 20, 2.845],
  ];
  for (const [p, df, q] of table) t.true(Math.abs(studentTQuantile(p, df) - q) < 5e-4, `t(${p}, ${df})`);
  t.true(Math.abs(studentTQuantile(0.975, 1e7) - 1.959964) < 1e-4, "tends to the normal quantile");
});

test("the t CDF is symmetric and inverts its quantile", (t) => {
  fc.assert(
    fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 1, max: 200 }), (p, df) => {
      const q = studentTQuantile(p, df);
      return Math.abs(studentTCdf(q, df) - p) < 1e-9 && Math.abs(studentTCdf(-q, df) - (1 - p)) < 1e-9;
    }),
  );
  t.pass();
});

test("summarize gives mean, sample sd and the t interval", (t) => {
  const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
  t.is(s.mean, 5);
  t.true(Math.abs(s.sd - Math.sqrt(32 / 7)) < 1e-12);
  t.true(Math.abs(s.halfWidth - 2.364624 * Math.sqrt(32 / 7) / Math.sqrt(8)) < 1e-5);
});

test("95% intervals cover the true mean of normal samples about 95% of the time", (t) => {
  const r = new Rng("ci", 11);
  const trials = 4000;
  let covered = 0;
  for (let k = 0; k < trials; k++) {
    const xs = Array.from({ length: 6 }, () => r.normal(3, 2));
    const s = summarize(xs);
    if (s.lo <= 3 && 3 <= s.hi) covered++;
  }
  const rate = covered / trials;
  // Binomial standard error at 0.95 over 4000 trials is 0.0034; allow 4 of them.
  t.true(Math.abs(rate - 0.95) < 0.014, `coverage ${rate}`);
});

test("quantile interpolates between order statistics", (t) => {
  t.is(quantile([1, 2, 3, 4], 0.5), 2.5);
  t.is(quantile([5], 0.9), 5);
  t.is(quantile([3, 1, 2], 0), 1);
});
