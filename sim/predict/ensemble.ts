/**
 * The Network Weather Service's adaptive forecaster (Wolski 1999): run several predictors side
 * by side, keep each one's squared error over the last `errorWindow` samples, and forecast
 * with the member whose mean squared error there is smallest (the first on ties, and the
 * first before any error is known). The error scored is that of the forecast the caller will
 * use: with `lead` L, each member's forecast of the mean of the next L samples against that
 * mean once it is known (L = 1: NWS's one-step error). A member good one step ahead (LAST on a
 * smooth series) can be poor over the horizon a decision lives for. With `horizons` H > 1 it
 * also scores every member's point forecast at each horizon 1..H, and a forecast h steps
 * ahead weights the members by the inverse square of their mean squared error at that
 * horizon (a sharpened Bates-Granger combination; the window should span many horizons). Picking the single best member per horizon, NWS's rule,
 * chases noise far out: errors 30 steps ahead are strongly correlated, so a short window's
 * ranking flips on one episode, and on a recorded load trace it did worse than every member.
 */
import { newForecast, type Forecast, type Predictor } from "./predictor.js";

export class Ensemble implements Predictor {
  readonly name: string;
  /** made[i][j]: member i's forecast made j samples ago (mod lead), for the next `lead` samples. */
  private readonly made: Float64Array[];
  private readonly errors: Float64Array[];
  private readonly sums: Float64Array;
  private readonly recent: Float64Array;
  private recentSum = 0;
  private filled = 0;
  private slot = 0;
  private seen = 0;
  private readonly one = newForecast(1);
  /** Per horizon: point forecasts made (member x horizon x origin mod H), squared errors, sums. */
  private readonly point: { made: Float64Array; errors: Float64Array; sums: Float64Array; filled: Int32Array; slot: Int32Array } | undefined;
  private readonly scratch: Forecast;

  constructor(readonly members: readonly Predictor[], readonly errorWindow = 30, readonly lead = 1, readonly horizons = 1) {
    if (members.length === 0) throw new RangeError("an ensemble needs at least one member");
    this.name = "NWS";
    this.made = members.map(() => new Float64Array(lead).fill(NaN));
    this.errors = members.map(() => new Float64Array(errorWindow));
    this.sums = new Float64Array(members.length);
    this.recent = new Float64Array(lead);
    const M = members.length, H = horizons;
    this.scratch = newForecast(H);
    if (H > 1) this.point = { made: new Float64Array(M * H * H).fill(NaN), errors: new Float64Array(M * H * errorWindow), sums: new Float64Array(M * H), filled: new Int32Array(H), slot: new Int32Array(H) };
  }

  /** Scores the point forecasts that were made for the sample just seen, then records new ones. */
  private scorePoints(x: number, n: number): void {
    const P = this.point!, M = this.members.length, H = this.horizons, W = this.errorWindow;
    for (let h = 1; h <= H && h <= n; h++) {
      const origin = (n - h) % H;
      let all = true;
      for (let i = 0; i < M; i++) if (!Number.isFinite(P.made[(i * H + h - 1) * H + origin])) all = false;
      if (!all) continue;
      const slot = P.slot[h - 1];
      for (let i = 0; i < M; i++) {
        const e = (x - P.made[(i * H + h - 1) * H + origin]) ** 2, k = (i * H + h - 1) * W + slot;
        P.sums[i * H + h - 1] += e - P.errors[k];
        P.errors[k] = e;
      }
      P.slot[h - 1] = (slot + 1) % W;
      P.filled[h - 1] = Math.min(P.filled[h - 1] + 1, W);
      if (P.slot[h - 1] === 0) for (let i = 0; i < M; i++) {
        let s = 0;
        for (let w = 0; w < W; w++) s += P.errors[(i * H + h - 1) * W + w];
        P.sums[i * H + h - 1] = s;
      }
    }
  }

  private recordPoints(n: number): void {
    const P = this.point!, H = this.horizons;
    this.members.forEach((m, i) => {
      const f = m.forecast(H, this.scratch);
      for (let h = 1; h <= H; h++) P.made[(i * H + h - 1) * H + (n % H)] = f.mean[h - 1];
    });
  }

  /** The member whose point forecasts h steps ahead have erred least. */
  chosenAt(h: number): number {
    const P = this.point;
    if (!P || h > this.horizons) return this.chosen;
    if (P.filled[h - 1] === 0) return 0;
    let best = 0;
    const H = this.horizons;
    for (let i = 1; i < this.members.length; i++) if (P.sums[i * H + h - 1] < P.sums[best * H + h - 1]) best = i;
    return best;
  }

  get count(): number {
    return this.seen;
  }

  observe(x: number): void {
    const L = this.lead, j = this.seen % L;
    // The mean of the last L samples, this one included.
    this.recentSum += x - this.recent[j];
    this.recent[j] = x;
    this.seen++;
    // The forecasts made L samples ago covered exactly these L samples.
    const scored = this.seen > L && this.made.every((m) => Number.isFinite(m[j]));
    const actual = this.recentSum / L;
    if (this.point) this.scorePoints(x, this.seen - 1);
    this.members.forEach((m, i) => {
      if (scored) {
        const e = (actual - this.made[i][j]) ** 2;
        this.sums[i] += e - this.errors[i][this.slot];
        this.errors[i][this.slot] = e;
      }
      m.observe(x);
      this.made[i][j] = L === 1 ? m.forecast(1, this.one).mean[0] : m.aggregate(L).mean;
    });
    if (this.point) this.recordPoints(this.seen - 1);
    if (scored) {
      this.slot = (this.slot + 1) % this.errorWindow;
      this.filled = Math.min(this.filled + 1, this.errorWindow);
      // Rounding drift in the running sums: recompute once per pass over the window.
      if (this.slot === 0) {
        this.sums.forEach((_, i) => (this.sums[i] = this.errors[i].reduce((a, b) => a + b, 0)));
        let s = 0;
        for (const v of this.recent) s += v;
        this.recentSum = s;
      }
    }
  }

  /** Index of the member forecasting now. */
  get chosen(): number {
    if (this.filled === 0) return 0;
    let best = 0;
    for (let i = 1; i < this.members.length; i++) if (this.sums[i] < this.sums[best]) best = i;
    return best;
  }

  /** Each member's mean squared error over the window (NaN before any). */
  errorsNow(): number[] {
    return Array.from(this.sums, (s) => (this.filled ? s / this.filled : NaN));
  }

  /**
   * Member weights for the forecast h steps ahead (beyond H: H's), summing to 1: inverse squared
   * mean squared error there; all on the first member before any error is known.
   */
  weightsAt(h: number): Float64Array {
    const P = this.point, M = this.members.length, w = new Float64Array(M);
    if (!P) {
      w[this.chosen] = 1;
      return w;
    }
    const H = this.horizons, j = Math.min(h, H) - 1;
    if (P.filled[j] === 0) {
      w[0] = 1;
      return w;
    }
    // A member with no error at all takes everything (a constant series).
    const exact = Array.from({ length: M }, (_, i) => i).find((i) => !(P.sums[i * H + j] > 0));
    if (exact !== undefined) {
      w[exact] = 1;
      return w;
    }
    let total = 0;
    // Squared inverse: plain inverse MSE leaves too much on poor members that err alike (LAST, BM).
    for (let i = 0; i < M; i++) total += w[i] = (P.sums[0 * H + j] / P.sums[i * H + j]) ** 2;
    for (let i = 0; i < M; i++) w[i] /= total;
    return w;
  }

  /** Point forecasts combined per horizon; the variance combined with the same weights. */
  forecast(h: number, out?: Forecast): Forecast {
    if (!this.point) return this.members[this.chosen].forecast(h, out);
    const o = out ?? newForecast(h);
    const fs = this.members.map((m) => m.forecast(h));
    for (let k = 1; k <= h; k++) {
      const w = this.weightsAt(k);
      let mean = 0, variance = 0;
      for (let i = 0; i < w.length; i++) {
        if (w[i] === 0) continue;
        mean += w[i] * fs[i].mean[k - 1];
        variance += w[i] * fs[i].variance[k - 1];
      }
      o.mean[k - 1] = mean;
      o.variance[k - 1] = variance;
    }
    return o;
  }

  /** Per-horizon mode: the mean of the combined point forecasts, each member's aggregate variance weighted as at horizon m. */
  aggregate(m: number): { mean: number; variance: number } {
    if (!this.point) return this.members[this.chosen].aggregate(m);
    const f = this.forecast(m), w = this.weightsAt(m);
    let mean = 0, variance = 0;
    for (let k = 0; k < m; k++) mean += f.mean[k] / m;
    for (let i = 0; i < w.length; i++) if (w[i] > 0) variance += w[i] * this.members[i].aggregate(m).variance;
    return { mean, variance };
  }
}
