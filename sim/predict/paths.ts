/**
 * Path forecasts: samples a PathSensor (Wren) every `interval` seconds and keeps one predictor
 * per host pair on its bandwidth. A pair the sensor no longer reports (no recent traffic)
 * loses its history: a later estimate is of a different state of the path.
 */
import type { Clock, PathSensor } from "../ports/index.js";
import type { Predictor } from "./predictor.js";

export class PathForecaster {
  private readonly bandwidth = new Map<string, Predictor>();

  constructor(clock: Clock, private readonly sensor: PathSensor, private readonly make: () => Predictor, readonly interval: number, readonly minSamples: number) {
    clock.every(interval, () => this.sample());
  }

  sample(): void {
    const seen = new Set<string>();
    for (const e of this.sensor.table()) {
      if (!Number.isFinite(e.bandwidth)) continue;
      const key = `${e.src}\t${e.dst}`;
      seen.add(key);
      let p = this.bandwidth.get(key);
      if (!p) this.bandwidth.set(key, (p = this.make()));
      p.observe(e.bandwidth);
    }
    for (const key of [...this.bandwidth.keys()]) if (!seen.has(key)) this.bandwidth.delete(key);
  }

  /**
   * The forecast mean bandwidth over the next `horizon` seconds, or undefined while the pair
   * has fewer than `minSamples` samples (the caller then uses the sensor's own estimate).
   */
  forecast(src: string, dst: string, horizon: number): number | undefined {
    const p = this.bandwidth.get(`${src}\t${dst}`);
    if (!p || p.count < this.minSamples) return undefined;
    const m = p.aggregate(Math.max(1, Math.round(horizon / this.interval))).mean;
    return Number.isFinite(m) && m > 0 ? m : undefined;
  }
}
