/**
 * Fair processor sharing: the host's cores x speed divided max-min fairly among runnable
 * entities, each limited by its own demand (water filling over one resource). Changes at one
 * instant are batched into one recomputation.
 */
import type { CpuEntity, CpuScheduler } from "./cpu.js";
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
    waterFill(this.host, this.host.entities, this.host.capacity);
  }
}

/**
 * Max-min fair division of `capacity` among entities, each capped by its demand; assigns the
 * rates on the host. The common case, nobody asking for less than an equal share, is one pass.
 */
export function waterFill(host: Host, entities: readonly CpuEntity[], capacity: number): void {
  let n = 0;
  for (const e of entities) if (e.demand() > 0) n++;
  const equal = capacity / n;
  let capped = false;
  for (const e of entities) {
    const d = e.demand();
    if (d > 0 && d < equal) capped = true;
  }
  if (!capped) {
    for (const e of entities) host.assign(e, e.demand() > 0 ? equal : 0);
    return;
  }
  const order = entities.map((e, i) => [i, e.demand()] as const).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  let left = capacity;
  for (const [i, d] of order) {
    if (d <= 0) {
      host.assign(entities[i], 0);
      continue;
    }
    const r = Math.min(d, left / n);
    host.assign(entities[i], r);
    left -= r;
    n--;
  }
}
