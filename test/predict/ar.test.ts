/** AR(p) fitting and forecasting against known processes and brute force. */
import test from "ava";
import fc from "fast-check";
import { Rng } from "../../sim/kernel/index.js";
import { ar, arForecast, arSeries, autocovariance, forecastVariance, leastSquares, levinsonDurbin, normalQuantile, psiWeights, yuleWalker, type ArModel } from "../../sim/predict/index.js";

const PHI = [0.6, -0.3];

for (const [name, fit] of [["Yule-Walker", yuleWalker], ["least squares", leastSquares]] as const) {
  test(`AR(2) by ${name}: coefficients within their standard errors on 200 simulated series`, (t) => {
    // Asymptotic standard error of each AR(2) coefficient: sqrt((1 - phi2^2) / n).
    const n = 1000, se = Math.sqrt((1 - PHI[1] ** 2) / n);
    let within2 = 0, runs = 200, worst = 0;
    for (let r = 0; r < runs; r++) {
      const x = arSeries(new Rng(`ar2.${r}`, 7), PHI, 1, n, 3);
      const m = fit(x, 2);
      const z = Math.max(Math.abs(m.phi[0] - PHI[0]), Math.abs(m.phi[1] - PHI[1])) / se;
      worst = Math.max(worst, z);
      if (z <= 2) within2++;
      t.true(Math.abs(m.sigma2 - 1) < 0.15, `sigma2 ${m.sigma2}`);
      t.true(Math.abs(m.mean - 3) < 0.3);
    }
    // Both within 2 SE: about 0.95^2 if independent (they are correlated, so more).
    t.true(within2 / runs >= 0.85, `${within2}/${runs} within 2 SE`);
    t.true(worst < 4.5, `worst ${worst} SE`);
  });
}

/** Solves a Toeplitz system by Gaussian elimination with partial pivoting. */
function solveToeplitz(gamma: ArrayLike<number>, p: number): number[] {
  const A = Array.from({ length: p }, (_, i) => [...Array.from({ length: p }, (_, j) => gamma[Math.abs(i - j)]), gamma[i + 1]]);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    for (let r = c + 1; r < p; r++) {
      const f = A[r][c] / A[c][c];
      for (let k = c; k <= p; k++) A[r][k] -= f * A[c][k];
    }
  }
  const x = new Array<number>(p).fill(0);
  for (let r = p - 1; r >= 0; r--) {
    let s = A[r][p];
    for (let k = r + 1; k < p; k++) s -= A[r][k] * x[k];
    x[r] = s / A[r][r];
  }
  return x;
}

test("Levinson-Durbin solves the Yule-Walker equations (property)", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 1e6 }), (p, seed) => {
      const rng = new Rng("ld", seed);
      const x = Float64Array.from({ length: 300 }, () => rng.normal());
      for (let i = 1; i < x.length; i++) x[i] += 0.5 * x[i - 1];
      const g = autocovariance(x, p, x.reduce((a, b) => a + b) / x.length);
      const { phi, sigma2 } = levinsonDurbin(g, p);
      const direct = solveToeplitz(g, p);
      direct.forEach((v, i) => t.true(Math.abs(v - phi[i]) < 1e-8, `phi${i}`));
      // Prediction error variance: gamma0 - sum phi_i gamma_i.
      const v = g[0] - direct.reduce((s, f, i) => s + f * g[i + 1], 0);
      return Math.abs(v - sigma2) < 1e-8 * g[0];
    }),
    { numRuns: 200 },
  );
});

test("forecasts and psi-weights agree with brute-force recursion and impulse response (property)", (t) => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -0.4, max: 0.4, noNaN: true }), { minLength: 1, maxLength: 6 }), fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }), (phi, hist) => {
      const model: ArModel = { p: phi.length, mean: 2, phi: Float64Array.from(phi), sigma2: 1.5 };
      const h = 12;
      const f = arForecast(model, (i) => hist[i], h);
      // Brute force: extend the series with the recursion, newest last.
      const seq = hist.slice(0, phi.length).reverse().map((v) => v - 2);
      for (let k = 0; k < h; k++) seq.push(phi.reduce((s, c, i) => s + c * seq[seq.length - 1 - i], 0));
      for (let k = 0; k < h; k++) if (Math.abs(seq[phi.length + k] + 2 - f[k]) > 1e-9) return false;
      // psi-weights: the response to a unit shock.
      const imp = [1];
      for (let j = 1; j < h; j++) imp.push(phi.reduce((s, c, i) => s + (j - 1 - i >= 0 ? c * imp[j - 1 - i] : 0), 0));
      const psi = psiWeights(model, h);
      const v = forecastVariance(model, h);
      let acc = 0;
      for (let j = 0; j < h; j++) {
        acc += imp[j] ** 2;
        if (Math.abs(psi[j] - imp[j]) > 1e-9 || Math.abs(v[j] - 1.5 * acc) > 1e-9) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test("AR(2) forecast intervals: the 80% interval covers about 80% at horizons 1, 5 and 20", (t) => {
  const x = arSeries(new Rng("ar2.coverage", 3), PHI, 1, 60_000, 1);
  const z = normalQuantile(0.9);
  for (const method of ["yule-walker", "least-squares"] as const) {
    const p = ar(2, method, { window: 1000, refit: 50, horizon: 20 });
    const hits = new Map<number, number>([[1, 0], [5, 0], [20, 0]]);
    let origins = 0;
    for (let i = 0; i + 20 < x.length; i++) {
      p.observe(x[i]);
      if (i < 1000 || i % 10) continue;
      origins++;
      const f = p.forecast(20);
      for (const h of hits.keys()) if (Math.abs(x[i + h] - f.mean[h - 1]) <= z * Math.sqrt(f.variance[h - 1])) hits.set(h, hits.get(h)! + 1);
    }
    // About 5,900 origins: the binomial SE is 0.005 (more with overlapping errors).
    for (const [h, k] of hits) t.true(Math.abs(k / origins - 0.8) < 0.025, `${method} h=${h}: ${k}/${origins}`);
  }
});
