/** Summary statistics: mean, sample standard deviation and Student-t confidence intervals. */
import { lgamma, mean as mMean, std } from "mathjs";

export { quantile } from "./quantile.js";

export interface Summary {
  n: number;
  mean: number;
  sd: number;
  /** Half-width of the confidence interval. */
  halfWidth: number;
  lo: number;
  hi: number;
}

export function summarize(xs: readonly number[], confidence = 0.95): Summary {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, halfWidth: NaN, lo: NaN, hi: NaN };
  const mean = mMean(xs as number[]) as number;
  const sd = n > 1 ? (std(xs as number[], "unbiased") as unknown as number) : 0;
  const halfWidth = n > 1 ? studentTQuantile(0.5 + confidence / 2, n - 1) * (sd / Math.sqrt(n)) : NaN;
  return { n, mean, sd, halfWidth, lo: mean - halfWidth, hi: mean + halfWidth };
}

/** CDF of Student's t with `df` degrees of freedom, via the regularized incomplete beta. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Inverse of `studentTCdf` by bisection (monotone, so it cannot miss). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile probability must be in (0, 1), got ${p}`);
  let lo = -1e3, hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Regularized incomplete beta I_x(a, b), by its continued fraction (Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log(1 - x)) / a;
  const tiny = 1e-300;
  let f = 1, c = 1, d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = i >> 1;
    let num: number;
    if (i === 0) num = 1;
    else if (i % 2 === 0) num = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    else num = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    d = Math.abs(d) < tiny ? tiny : d;
    d = 1 / d;
    c = 1 + num / c;
    c = Math.abs(c) < tiny ? tiny : c;
    const cd = c * d;
    f *= cd;
    if (Math.abs(1 - cd) < 1e-15) break;
  }
  return front * (f - 1);
}
