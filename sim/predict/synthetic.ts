/**
 * Self-similar synthetic load: fGn (kernel/fgn.ts) from a named random stream, scaled to a mean
 * and standard deviation and clipped at 0 (load is not negative). Host load measured by Dinda
 * has H of about 0.7 to 0.9. And AR(p) series, for tests against known processes.
 */
import { fgn, type Rng } from "../kernel/index.js";

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
