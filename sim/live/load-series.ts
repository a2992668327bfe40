/**
 * A live run's host load series: the machine's load sampled on the run's clock, each sample
 * beside the one-step forecast made before it was known, so a summary can say how
 * predictable the load was during the run (against LAST, the naive forecast).
 */
import type { LoadSensor } from "../ports/index.js";
import type { Predictor } from "../predict/index.js";

export interface LoadRow {
  t: number;
  load: number;
  /** The predictor's one-step forecast of this sample (NaN for the first). */
  forecast: number;
}

export class LoadSeries {
  readonly rows: LoadRow[] = [];
  private next = NaN;

  constructor(private readonly sensor: LoadSensor, private readonly predictor: Predictor, readonly host = sensor.hosts()[0]) {}

  sample(t: number): void {
    const load = this.sensor.load(this.host);
    this.rows.push({ t, load, forecast: this.next });
    this.predictor.observe(load);
    this.next = this.predictor.forecast(1).mean[0];
  }

  /** Samples, mean load, and the mean squared one-step error of the predictor and of LAST where both exist. */
  summary(): { host: string; predictor: string; samples: number; mean_load: number; forecast_mse: number; last_mse: number; scored: number } {
    const r = this.rows;
    let se = 0, sl = 0, n = 0;
    for (let i = 1; i < r.length; i++) {
      if (!Number.isFinite(r[i].forecast)) continue;
      se += (r[i].load - r[i].forecast) ** 2;
      sl += (r[i].load - r[i - 1].load) ** 2;
      n++;
    }
    return { host: this.host, predictor: this.predictor.name, samples: r.length, mean_load: r.reduce((a, x) => a + x.load, 0) / r.length, forecast_mse: se / n, last_mse: sl / n, scored: n };
  }
}
