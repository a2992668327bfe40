/**
 * Online predictors over a series sampled at a fixed interval (RPS, Dinda and O'Hallaron):
 * each keeps the last `window` samples, refits its model every `refit` samples, and gives
 * forecasts 1..h steps ahead with their error variance. Pure and deterministic: no clock, no
 * randomness, so the same object serves the simulator and live mode.
 */
import { autocovariance, forecastVariance, leastSquares, levinsonDurbin, mean, meanErrorWeights, meanVariance, psiWeights, type ArModel } from "./ar.js";
import { History } from "./history.js";

export interface Forecast {
  /** mean[k] is the forecast k+1 steps ahead. */
  mean: Float64Array;
  /** Its error variance; NaN before the predictor has fitted a model. */
  variance: Float64Array;
}

export interface Predictor {
  readonly name: string;
  /** Samples seen. */
  readonly count: number;
  observe(x: number): void;
  /** Forecasts 1..h steps ahead (into `out` if given, whose arrays hold at least h). */
  forecast(h: number, out?: Forecast): Forecast;
  /**
   * The forecast of the average of the next m samples, and its error variance (which, unlike
   * the per-step variances, counts how the steps' errors correlate).
   */
  aggregate(m: number): { mean: number; variance: number };
}

export interface FitSchedule {
  /** Samples the model is fitted on (the most recent). */
  window: number;
  /** Refit after this many new samples. */
  refit: number;
  /** Longest horizon whose error variance is kept (mean predictors measure it on the window). */
  horizon: number;
}

export const defaultSchedule: FitSchedule = { window: 600, refit: 1, horizon: 30 };

export function newForecast(h: number): Forecast {
  return { mean: new Float64Array(h), variance: new Float64Array(h) };
}

abstract class Fitted implements Predictor {
  protected readonly history: History;
  private sinceFit = Infinity;
  protected fitted = false;
  protected readonly schedule: FitSchedule;

  constructor(readonly name: string, schedule: Partial<FitSchedule>, private readonly minSamples: number) {
    this.schedule = { ...defaultSchedule, ...schedule };
    if (this.schedule.window < minSamples) throw new RangeError(`${name}: window ${this.schedule.window} < ${minSamples} samples it needs`);
    this.history = new History(this.schedule.window);
  }

  get count(): number {
    return this.history.count;
  }

  observe(x: number): void {
    this.history.push(x);
    this.sinceFit++;
    if (this.history.size >= this.minSamples && this.sinceFit >= this.schedule.refit) {
      this.fit(this.history.ordered());
      this.fitted = true;
      this.sinceFit = 0;
    }
  }

  forecast(h: number, out = newForecast(h)): Forecast {
    if (this.history.size === 0) {
      out.mean.fill(NaN, 0, h);
      out.variance.fill(NaN, 0, h);
      return out;
    }
    this.predict(h, out);
    if (!this.fitted) out.variance.fill(NaN, 0, h);
    return out;
  }

  aggregate(m: number): { mean: number; variance: number } {
    const f = this.forecast(m);
    let s = 0;
    for (let k = 0; k < m; k++) s += f.mean[k];
    return { mean: s / m, variance: this.fitted ? this.aggregateVariance(m) : NaN };
  }

  protected abstract aggregateVariance(m: number): number;
  protected abstract fit(x: Float64Array<ArrayBufferLike>): void;
  protected abstract predict(h: number, out: Forecast): void;
}

/**
 * The mean of the last k samples as the forecast at every horizon: LAST (k = 1), a windowed
 * mean, MEAN (k = the whole window), and BM(p), which picks k in 1..p with the smallest
 * one-step error on the window at each refit. The variance at horizon h is the mean squared
 * error of that same rule h steps ahead over the window (for MEAN: s^2 (1 + 1/n)).
 */
export class WindowMean extends Fitted {
  /** Samples averaged now. */
  k: number;
  private readonly variance: Float64Array;

  constructor(name: string, private readonly choices: readonly number[], schedule: Partial<FitSchedule> = {}) {
    const widest = Math.max(...choices);
    super(name, schedule, Number.isFinite(widest) ? Math.min(widest + 1, { ...defaultSchedule, ...schedule }.window) : 2);
    this.k = choices[0];
    this.variance = new Float64Array(this.schedule.horizon).fill(NaN);
  }

  private prefix = new Float64Array(1);

  protected fit(x: Float64Array<ArrayBufferLike>): void {
    const n = x.length;
    const prefix = (this.prefix = new Float64Array(n + 1));
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + x[i];
    const ks = this.choices.map((k) => Math.min(k, n));
    if (ks.length === 1 && ks[0] >= n) {
      // MEAN over the whole window: no out-of-sample errors to measure.
      const m = prefix[n] / n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (x[i] - m) ** 2;
      this.k = n;
      this.variance.fill((ss / Math.max(1, n - 1)) * (1 + 1 / n));
      return;
    }
    // Every choice is scored on the same samples (from the widest mean on), so the comparison is fair.
    const from = Math.max(...ks);
    let best = ks[0], bestErr = Infinity;
    if (ks.length > 1) {
      for (const k of ks) {
        const e = this.mse(k, 1, from);
        if (e < bestErr) (best = k), (bestErr = e);
      }
    }
    this.k = best;
    // Variances per horizon are measured when first asked for.
    this.variance.fill(NaN);
  }

  /** Mean squared error, over the window, of the mean of k samples as the forecast h steps on. */
  private mse(k: number, h: number, from = k): number {
    const prefix = this.prefix, n = prefix.length - 1;
    let s = 0, c = 0;
    for (let t = from; t + h - 1 < n; t++) {
      const e = (prefix[t + h] - prefix[t + h - 1]) - (prefix[t] - prefix[t - k]) / k;
      s += e * e;
      c++;
    }
    return c > 0 ? s / c : NaN;
  }

  private varianceAt(h: number): number {
    const j = Math.min(h, this.variance.length) - 1;
    if (Number.isNaN(this.variance[j]) && this.k < this.prefix.length - 1) this.variance[j] = this.mse(this.k, j + 1);
    return this.variance[j];
  }

  /** Measured on the window as the per-step variances are; MEAN: s^2 (1/m + 1/n). */
  protected aggregateVariance(m: number): number {
    const prefix = this.prefix, n = prefix.length - 1, k = this.k;
    if (k >= n) return (this.variance[0] / (1 + 1 / n)) * (1 / m + 1 / n);
    let s = 0, c = 0;
    for (let t = k; t + m <= n; t++) {
      const e = (prefix[t + m] - prefix[t]) / m - (prefix[t] - prefix[t - k]) / k;
      s += e * e;
      c++;
    }
    return c > 0 ? s / c : NaN;
  }

  protected predict(h: number, out: Forecast): void {
    const k = Math.min(this.k, this.history.size);
    let s = 0;
    for (let i = 0; i < k; i++) s += this.history.back(i);
    out.mean.fill(s / k, 0, h);
    for (let j = 0; j < h; j++) out.variance[j] = this.fitted ? this.varianceAt(j + 1) : NaN;
  }
}

/** AR(p) refitted on the window by Yule-Walker or least squares; forecasts by the recursion. */
export class Autoregressive extends Fitted {
  model: ArModel | undefined;
  private variance: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private scratch: Float64Array<ArrayBufferLike>;
  private gamma: Float64Array<ArrayBufferLike>;
  private readonly lags: Float64Array;

  constructor(readonly p: number, readonly method: "yule-walker" | "least-squares" = "yule-walker", schedule: Partial<FitSchedule> = {}) {
    super(`AR(${p})${method === "least-squares" ? " LS" : ""}`, schedule, method === "least-squares" ? 2 * p + 2 : p + 2);
    this.scratch = new Float64Array(p + this.schedule.horizon);
    this.gamma = new Float64Array(p + 1);
    this.lags = new Float64Array(p);
  }

  protected fit(x: Float64Array<ArrayBufferLike>): void {
    if (this.method === "least-squares") this.model = leastSquares(x, this.p);
    else {
      const m = mean(x);
      const { phi, sigma2 } = levinsonDurbin(autocovariance(x, this.p, m, 0, x.length, this.gamma), this.p, this.model?.phi);
      this.model = { p: this.p, mean: m, phi, sigma2 };
    }
    this.n = x.length;
    this.variance = this.stepVariance(this.schedule.horizon);
  }

  private n = 0;

  /** psi-weight variance plus the estimated mean's share (see meanErrorWeights). */
  private stepVariance(h: number): Float64Array<ArrayBufferLike> {
    const v = forecastVariance(this.model!, h), w = meanErrorWeights(this.model!, h), mv = meanVariance(this.model!, this.n);
    for (let k = 0; k < h; k++) v[k] += w[k] * w[k] * mv;
    return v;
  }

  /** sigma2 sum_{i<m} Psi_i^2 / m^2, Psi_i = psi_0 + ... + psi_i: the summed errors' variance. */
  protected aggregateVariance(m: number): number {
    const psi = psiWeights(this.model!, m);
    let cum = 0, acc = 0;
    for (let i = 0; i < m; i++) {
      cum += psi[i];
      acc += cum * cum;
    }
    const w = meanErrorWeights(this.model!, m);
    let wm = 0;
    for (let k = 0; k < m; k++) wm += w[k] / m;
    return (this.model!.sigma2 * acc) / (m * m) + wm * wm * meanVariance(this.model!, this.n);
  }

  protected predict(h: number, out: Forecast): void {
    if (!this.model) {
      // Not fitted yet: the mean so far.
      let s = 0;
      for (let i = 0; i < this.history.size; i++) s += this.history.back(i);
      out.mean.fill(s / this.history.size, 0, h);
      return;
    }
    if (this.scratch.length < this.p + h) this.scratch = new Float64Array(this.p + h);
    if (this.variance.length < h) this.variance = this.stepVariance(h);
    const { p, phi, mean: m } = this.model;
    const r = this.scratch;
    this.history.recent(this.lags, p, m);
    // r[p - 1 - i] holds the centred value i steps back; forecasts follow from index p.
    for (let i = 0; i < p; i++) r[p - 1 - i] = this.lags[i] - m;
    for (let k = 0; k < h; k++) {
      let s = 0;
      const base = p + k;
      for (let i = 0; i < p; i++) s += phi[i] * r[base - 1 - i];
      r[base] = s;
      out.mean[k] = s + m;
    }
    out.variance.set(this.variance.subarray(0, h));
  }
}

export const last = (s: Partial<FitSchedule> = {}) => new WindowMean("LAST", [1], s);
export const windowMean = (k: number, s: Partial<FitSchedule> = {}) => new WindowMean(`MEAN(${k})`, [k], s);
export const overallMean = (s: Partial<FitSchedule> = {}) => new WindowMean("MEAN", [Infinity], s);
export const bestMean = (p: number, s: Partial<FitSchedule> = {}) => new WindowMean(`BM(${p})`, Array.from({ length: p }, (_, i) => i + 1), s);
export const ar = (p: number, method: "yule-walker" | "least-squares" = "yule-walker", s: Partial<FitSchedule> = {}) => new Autoregressive(p, method, s);
