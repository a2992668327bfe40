/**
 * The Network Weather Service's adaptive forecaster (Wolski 1999): run several predictors side
 * by side, keep each one's squared error over the last `errorWindow` samples, and forecast
 * with the member whose mean squared error there is smallest (the first on ties, and the
 * first before any error is known). The error scored is that of the forecast the caller will
 * use: with `lead` L, each member's forecast of the mean of the next L samples against that
 * mean once it is known (L = 1: NWS's one-step error). A member good one step ahead (LAST on a
 * smooth series) can be poor over the horizon a decision lives for.
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

  constructor(readonly members: readonly Predictor[], readonly errorWindow = 30, readonly lead = 1) {
    if (members.length === 0) throw new RangeError("an ensemble needs at least one member");
    this.name = "NWS";
    this.made = members.map(() => new Float64Array(lead).fill(NaN));
    this.errors = members.map(() => new Float64Array(errorWindow));
    this.sums = new Float64Array(members.length);
    this.recent = new Float64Array(lead);
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
    this.members.forEach((m, i) => {
      if (scored) {
        const e = (actual - this.made[i][j]) ** 2;
        this.sums[i] += e - this.errors[i][this.slot];
        this.errors[i][this.slot] = e;
      }
      m.observe(x);
      this.made[i][j] = L === 1 ? m.forecast(1, this.one).mean[0] : m.aggregate(L).mean;
    });
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

  forecast(h: number, out?: Forecast): Forecast {
    return this.members[this.chosen].forecast(h, out);
  }

  aggregate(m: number): { mean: number; variance: number } {
    return this.members[this.chosen].aggregate(m);
  }
}
