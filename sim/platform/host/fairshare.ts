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
/** Demands of the entities being shared, read once per division (demand() walks the VM). */
let demands = new Float64Array(16);

export function waterFill(host: Host, entities: readonly CpuEntity[], capacity: number): void {
  const m = entities.length;
  if (m === 1) {
    // One entity (a host's batch VM beside VSched's reserved ones): what the general case below
    // gives it, min(demand, capacity), without its passes.
    const d = entities[0].demand();
    host.assign(entities[0], d > 0 ? Math.min(d, capacity) : 0);
    return;
  }
  if (demands.length < m) demands = new Float64Array(2 * m);
  // Local: assigning rates only schedules work, never divides again before this returns.
  const ds = demands;
  let n = 0;
  for (let i = 0; i < m; i++) {
    const d = entities[i].demand();
    ds[i] = d;
    if (d > 0) n++;
  }
  const equal = capacity / n;
  let capped = false;
  for (let i = 0; i < m; i++) if (ds[i] > 0 && ds[i] < equal) capped = true;
  if (!capped) {
    for (let i = 0; i < m; i++) host.assign(entities[i], ds[i] > 0 ? equal : 0);
    return;
  }
  const order = entities.map((_, i) => [i, ds[i]] as const).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
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
