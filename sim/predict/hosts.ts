/**
 * Host load forecasts: samples a BackgroundSensor every `interval` seconds for each host, the
 * load that is not the given VMs' own (what a VM placed there would compete with), and keeps
 * one predictor per host on it. The series runs on across migrations of those VMs.
 */
import type { BackgroundSensor, Clock } from "../ports/index.js";
import type { Predictor } from "./predictor.js";

export class HostLoadForecaster {
  private readonly load = new Map<string, Predictor>();

  constructor(clock: Clock, private readonly sensor: BackgroundSensor, private readonly hosts: () => readonly string[], private readonly exclude: readonly string[], private readonly make: () => Predictor, readonly interval: number, readonly minSamples: number) {
    clock.every(interval, () => this.sample());
  }

  sample(): void {
    for (const h of this.hosts()) {
      const x = this.sensor.background(h, this.exclude);
      if (!Number.isFinite(x)) continue;
      let p = this.load.get(h);
      if (!p) this.load.set(h, (p = this.make()));
      p.observe(x);
    }
  }

  /**
   * The forecast mean background load over the next `horizon` seconds (at least 0), or
   * undefined while the host has fewer than `minSamples` samples (the caller then reads the
   * sensor now).
   */
  forecast(host: string, horizon: number): number | undefined {
    const p = this.load.get(host);
    if (!p || p.count < this.minSamples) return undefined;
    const m = p.aggregate(Math.max(1, Math.round(horizon / this.interval))).mean;
    return Number.isFinite(m) ? Math.max(0, m) : undefined;
  }
}
