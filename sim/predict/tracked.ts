/**
 * A running-time advisor that keeps score of itself (NWS-style empirical error tracking, at
 * the level of the quantity the advisor predicts). The model interval nominal x (1 + mean +-
 * z sd) assumes the load model is right and that a task's time is nominal x (1 + its mean
 * load); neither holds on self-similar or recorded load (long-range dependence, level shifts,
 * load clipped at 0, 1/(1+L) being convex), and its 95% intervals covered 85-89%.
 *
 * So, after every sample, for each size on a ladder of nominal CPU times, it starts a virtual
 * task (the advisor's forecast for it, and its model sd in seconds) and runs it under fair
 * sharing on the samples that follow; when it finishes, the standardised error
 * z = (real - expected) / sd joins that size's last `errorWindow` errors. An interval is the
 * expected time plus the empirical quantiles of z at the nearest tracked size, times the
 * current sd: skewed errors give skewed intervals, and a right model changes nothing. Needs
 * the same samples the load predictor sees, and nothing else: deterministic, no clock.
 */
import { runningTime, type RunningTime } from "./advisor.js";
import type { Predictor } from "./predictor.js";

/** Errors below this many for a size: the model's normal interval. */
const minErrors = 30;
/** The level of mean +- 1 sd under normality: the advisor's sd is half that interval. */
const oneSd = 0.6826894921370859;

class SizeErrors {
  /** Virtual tasks in flight, oldest first (same work, so they finish in start order). */
  readonly left: number[] = [];
  readonly waited: number[] = [];
  readonly expected: number[] = [];
  readonly sd: number[] = [];
  head = 0;
  readonly z: Float64Array;
  /** The tracked tasks' real running times, and their sum. */
  readonly took: Float64Array;
  tookSum = 0;
  filled = 0;
  slot = 0;

  constructor(readonly nominal: number, window: number) {
    this.z = new Float64Array(window);
    this.took = new Float64Array(window);
  }

  push(z: number, took: number): void {
    this.tookSum += took - this.took[this.slot];
    this.took[this.slot] = took;
    if (this.slot === 0) this.tookSum = this.took.reduce((a, v) => a + v, 0);
    this.z[this.slot] = z;
    this.slot = (this.slot + 1) % this.z.length;
    this.filled = Math.min(this.filled + 1, this.z.length);
  }

  quantile(q: number): number {
    const s = Float64Array.from(this.z.subarray(0, this.filled)).sort();
    const pos = q * (s.length - 1), i = Math.floor(pos);
    return i + 1 < s.length ? s[i] + (pos - i) * (s[i + 1] - s[i]) : s[i];
  }
}

/** Nominal sizes 1, 2, 5, 10, 20, ... CPU-seconds up to `largest`. */
export function sizeLadder(largest: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= largest; d *= 10) for (const k of [1, 2, 5]) if (k * d <= largest) out.push(k * d);
  return out;
}

export class TrackedAdvisor {
  private readonly sizes: SizeErrors[];

  /** `interval`: seconds between samples; `sizes`: nominal CPU times whose errors are tracked. */
  constructor(readonly load: Predictor, readonly interval: number, sizes: readonly number[] = sizeLadder(100), readonly errorWindow = 2000, readonly trustAfter = 10) {
    this.sizes = sizes.map((n) => new SizeErrors(n, errorWindow));
  }

  /** The next load sample (runnable competitors over the interval just ended). */
  observe(x: number): void {
    // The sample covers the interval every virtual task in flight has just run through.
    const rate = 1 / (1 + Math.max(0, x)), dt = this.interval;
    for (const s of this.sizes) {
      for (let i = s.head; i < s.left.length; i++) {
        if (s.left[i] === 0) continue;
        if (s.left[i] <= rate * dt) {
          s.waited[i] += s.left[i] / rate;
          s.left[i] = 0;
        } else {
          s.left[i] -= rate * dt;
          s.waited[i] += dt;
        }
      }
      // Finished: the error of its forecast is now known (same work, same rates: in start order).
      while (s.head < s.left.length && s.left[s.head] === 0) {
        s.push((s.waited[s.head] - s.expected[s.head]) / s.sd[s.head], s.waited[s.head]);
        s.head++;
      }
      if (s.head > 1024 && s.head * 2 > s.left.length) {
        for (const a of [s.left, s.waited, s.expected, s.sd]) a.splice(0, s.head);
        s.head = 0;
      }
    }
    this.load.observe(x);
    for (const s of this.sizes) {
      const a = runningTime(this.load, s.nominal, dt, oneSd);
      const sd = (a.hi - a.lo) / 2;
      if (!(sd > 0) || !Number.isFinite(a.expected)) continue;
      s.left.push(s.nominal);
      s.waited.push(0);
      s.expected.push(a.expected);
      s.sd.push(sd);
    }
  }

  /** The tracked size nearest `nominal` (by ratio) with enough errors, if any. */
  private near(nominal: number): SizeErrors | undefined {
    let best: SizeErrors | undefined, dist = Infinity;
    for (const s of this.sizes) {
      const d = Math.abs(Math.log(s.nominal / nominal));
      if (s.filled >= minErrors && d < dist) (best = s), (dist = d);
    }
    return best;
  }

  /** Errors tracked for the size nearest `nominal` (for reports). */
  errorsFor(nominal: number): number {
    return this.near(nominal)?.filled ?? 0;
  }

  /**
   * Tasks' worth of independent evidence behind a size's errors: the time its tracked tasks
   * started over, in units of their mean running time (overlapping tasks share their errors).
   */
  private evidence(s: SizeErrors): number {
    return (s.filled * this.interval) / (s.tookSum / s.filled);
  }

  /**
   * The running-time interval at `level`: expected + the tracked error quantiles x the
   * model's sd (lower end at least nominal). Until the errors span `trustAfter` running times
   * (a short or young series) it is the union of that and the model's interval, never
   * narrower than the model's; with no errors yet, the model's.
   */
  runningTime(nominal: number, level = 0.95, extraLoad = 0): RunningTime {
    const model = runningTime(this.load, nominal, this.interval, level, extraLoad);
    const s = this.near(nominal);
    if (!s) return model;
    const a = runningTime(this.load, nominal, this.interval, oneSd, extraLoad);
    const sd = (a.hi - a.lo) / 2;
    let lo = Math.max(nominal, a.expected + s.quantile((1 - level) / 2) * sd), hi = Math.max(nominal, a.expected + s.quantile((1 + level) / 2) * sd);
    if (this.evidence(s) < this.trustAfter) (lo = Math.min(lo, model.lo)), (hi = Math.max(hi, model.hi));
    return { ...model, lo, hi };
  }
}
