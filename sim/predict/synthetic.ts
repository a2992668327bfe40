/**
 * Self-similar synthetic load: fractional Gaussian noise with Hurst parameter H by Hosking's
 * exact method (the Durbin-Levinson recursion on fGn's autocovariance, O(n^2)), from a named
 * random stream, scaled to a mean and standard deviation and clipped at 0 (load is not
 * negative). H = 0.5 is white noise; host load measured by Dinda has H of about 0.7 to 0.9.
 */
import type { Rng } from "../kernel/index.js";

/** fGn autocovariance at lag k (unit variance). */
export function fgnAutocovariance(k: number, hurst: number): number {
  const a = 2 * hurst;
  k = Math.abs(k);
  return 0.5 * ((k + 1) ** a - 2 * k ** a + Math.abs(k - 1) ** a);
}

/** n samples of unit-variance fractional Gaussian noise. */
export function fgn(rng: Rng, n: number, hurst: number): Float64Array {
  if (!(hurst > 0 && hurst < 1)) throw new RangeError(`Hurst parameter ${hurst} is not in (0, 1)`);
  const x = new Float64Array(n);
  if (n === 0) return x;
  const gamma = Float64Array.from({ length: n }, (_, k) => fgnAutocovariance(k, hurst));
  let phi = new Float64Array(n), prev = new Float64Array(n);
  let v = 1;
  x[0] = rng.normal();
  for (let t = 1; t < n; t++) {
    // Partial autocorrelation at lag t, then the order-t predictor coefficients.
    let acc = gamma[t];
    for (let j = 0; j < t - 1; j++) acc -= prev[j] * gamma[t - 1 - j];
    const r = acc / v;
    for (let j = 0; j < t - 1; j++) phi[j] = prev[j] - r * prev[t - 2 - j];
    phi[t - 1] = r;
    v *= 1 - r * r;
    let m = 0;
    for (let j = 0; j < t; j++) m += phi[j] * x[t - 1 - j];
    x[t] = m + Math.sqrt(v) * rng.normal();
    [phi, prev] = [prev, phi];
  }
  return x;
}

export interface SelfSimilarLoad {
  hurst: number;
  /** Mean load, in cores' worth of demand. */
  mean: number;
  sd: number;
  /** Seconds between samples. */
  interval: number;
  samples: number;
}

/** A load trace as `[t, level]` rows, t = i x interval. */
export function selfSimilarLoad(rng: Rng, spec: SelfSimilarLoad): [number, number][] {
  const z = fgn(rng, spec.samples, spec.hurst);
  return Array.from(z, (v, i) => [i * spec.interval, Math.max(0, spec.mean + spec.sd * v)] as [number, number]);
}

/** A simulated AR(p) series x_t = mean + sum phi_i (x_{t-i} - mean) + a_t after `burn` discarded steps. */
export function arSeries(rng: Rng, phi: readonly number[], sigma: number, n: number, mean = 0, burn = 500): Float64Array {
  const p = phi.length;
  const all = new Float64Array(n + burn + p);
  for (let t = p; t < all.length; t++) {
    let s = 0;
    for (let i = 0; i < p; i++) s += phi[i] * all[t - 1 - i];
    all[t] = s + sigma * rng.normal();
  }
  return Float64Array.from(all.subarray(burn + p), (v) => v + mean);
}
