/**
 * Fractional Gaussian noise with Hurst parameter H by Hosking's exact method (the
 * Durbin-Levinson recursion on fGn's autocovariance, O(n^2)), from a random stream: the
 * increments of fractional Brownian motion, self-similar for H != 0.5 (H = 0.5 is white
 * noise). Below the platform and the policies, which both draw self-similar load from it.
 */
import type { Rng } from "./rng.js";

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

