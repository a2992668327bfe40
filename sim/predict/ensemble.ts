/**
 * The Network Weather Service's adaptive forecaster (Wolski 1999): run several predictors side
 * by side, keep each one's squared one-step error over the last `errorWindow` samples, and
 * forecast with the member whose mean squared error there is smallest (the first on ties, and
 * the first before any error is known).
 */
import { newForecast, type Forecast, type Predictor } from "./predictor.js";

export class Ensemble implements Predictor {
  readonly name: string;
  private readonly pending: Float64Array;
  private readonly errors: Float64Array[];
  private readonly sums: Float64Array;
  private filled = 0;
  private slot = 0;
  private seen = 0;
  private readonly one = newForecast(1);

  constructor(readonly members: readonly Predictor[], readonly errorWindow = 30) {
    if (members.length === 0) throw new RangeError("an ensemble needs at least one member");
    this.name = "NWS";
    this.pending = new Float64Array(members.length).fill(NaN);
    this.errors = members.map(() => new Float64Array(errorWindow));
    this.sums = new Float64Array(members.length);
  }

  get count(): number {
    return this.seen;
  }

  observe(x: number): void {
    this.seen++;
    const scored = this.members.every((_, i) => Number.isFinite(this.pending[i]));
    this.members.forEach((m, i) => {
      if (scored) {
        const e = (x - this.pending[i]) ** 2;
        this.sums[i] += e - this.errors[i][this.slot];
        this.errors[i][this.slot] = e;
      }
      m.observe(x);
      this.pending[i] = m.forecast(1, this.one).mean[0];
    });
    if (scored) {
      this.slot = (this.slot + 1) % this.errorWindow;
      this.filled = Math.min(this.filled + 1, this.errorWindow);
      // Rounding drift in the running sums: recompute once per pass over the window.
      if (this.slot === 0) this.sums.forEach((_, i) => (this.sums[i] = this.errors[i].reduce((a, b) => a + b, 0)));
    }
  }

  /** Index of the member forecasting now. */
  get chosen(): number {
    if (this.filled === 0) return 0;
    let best = 0;
    for (let i = 1; i < this.members.length; i++) if (this.sums[i] < this.sums[best]) best = i;
    return best;
  }

  /** Each member's mean squared one-step error over the window (NaN before any). */
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
