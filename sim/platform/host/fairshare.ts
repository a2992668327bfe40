/**
 * Fair processor sharing: the host's cores x speed divided max-min fairly among runnable
 * entities, each limited by its own demand (water filling over one resource). Changes at one
 * instant are batched into one recomputation.
 */
import type { CpuScheduler } from "./cpu.js";
import type { Host } from "./host.js";

const SHARE_PRIORITY = 9;

export class FairShare implements CpuScheduler {
  readonly name = "fair";
  private host!: Host;
  private queued = false;
  private readonly recompute = () => this.share();

  attach(host: Host): void {
    this.host = host;
  }

  changed(): void {
    if (this.queued) return;
    this.queued = true;
    this.host.sim.schedule(0, this.recompute, undefined, SHARE_PRIORITY);
  }

  private share(): void {
    this.queued = false;
    const entities = this.host.entities;
    const demands = entities.map((e) => e.demand());
    const order = demands.map((_, i) => i).filter((i) => demands[i] > 0).sort((a, b) => demands[a] - demands[b] || a - b);
    let left = this.host.capacity;
    let n = order.length;
    const rates = new Float64Array(entities.length);
    for (const i of order) {
      const r = Math.min(demands[i], left / n);
      rates[i] = r;
      left -= r;
      n--;
    }
    entities.forEach((e, i) => this.host.assign(e, rates[i]));
  }
}
