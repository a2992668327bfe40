/**
 * VRESERVE (HPDC 2005): from the inferred traffic, find VM pairs whose demand is a large share
 * of what their path gives, request a dedicated lightpath between their hosts, and once it
 * is up forward the pair's overlay traffic over it. No change to the application.
 */
import { z } from "zod";
import type { Clock, Lightpaths, NetControl, Placement } from "../ports/index.js";
import { fraction, positiveCount, positiveSeconds, seconds } from "../scenario/quantities.js";
import type { Vttif } from "../vttif/index.js";
import type { Wren } from "../wren/index.js";

export const vreserveSchema = z.strictObject({
  enabled: z.boolean().default(false),
  interval: positiveSeconds.default(5),
  threshold: fraction.default(0.5).describe("request when a pair's demand exceeds this fraction of its path's bandwidth"),
  minDemand: z.number().nonnegative().default(1e6).describe("bytes per second below which a pair is never heavy"),
  setupDelay: seconds.default(30).describe("seconds until a requested lightpath carries traffic"),
  bandwidth: z.number().positive().default(1.25e8).describe("lightpath bytes per second"),
  latency: seconds.default(0.01),
  maxLightpaths: positiveCount.default(4),
});

export type VReserveSpec = z.output<typeof vreserveSchema>;

export interface LightpathEvent {
  t: number;
  a: string;
  b: string;
  event: "requested" | "ready";
  demand: number;
  pathBandwidth: number;
}

export class VReserve {
  readonly log: LightpathEvent[] = [];
  private requested = new Set<string>();
  private listeners: ((e: LightpathEvent) => void)[] = [];

  constructor(
    private readonly ports: { clock: Clock; vttif: Vttif; wren: Wren; net: NetControl; placement: Placement; lightpaths: Lightpaths },
    readonly spec: VReserveSpec,
  ) {
    ports.clock.every(spec.interval, () => this.step());
  }

  onEvent(fn: (e: LightpathEvent) => void): void {
    this.listeners.push(fn);
  }

  private record(e: LightpathEvent): void {
    this.log.push(e);
    for (const l of this.listeners) l(e);
  }

  private step(): void {
    const { vttif, wren, placement, net, lightpaths, clock } = this.ports;
    const r = vttif.current;
    if (!r) return;
    const demand = new Map<string, { a: string; b: string; vms: [string, string]; d: number }>();
    for (let k = 0; k < r.src.length; k++) {
      const va = r.names[r.src[k]], vb = r.names[r.dst[k]];
      const ha = placement.where(va), hb = placement.where(vb);
      if (ha === hb) continue;
      const key = ha < hb ? `${ha}\t${hb}` : `${hb}\t${ha}`;
      const e = demand.get(key) ?? { a: ha, b: hb, vms: [va, vb], d: 0 };
      e.d += vttif.matrix.rate(r.src[k], r.dst[k], vttif.params.interval);
      demand.set(key, e);
    }
    for (const [key, e] of [...demand].sort((x, y) => y[1].d - x[1].d)) {
      if (this.requested.has(key) || this.requested.size >= this.spec.maxLightpaths || e.d < this.spec.minDemand) continue;
      const est = wren.estimate(e.a, e.b);
      const path = Number.isFinite(est.bandwidth) ? est.bandwidth : net.measure(e.a, e.b).bandwidth;
      if (e.d < this.spec.threshold * path) continue;
      this.requested.add(key);
      this.record({ t: clock.now, a: e.a, b: e.b, event: "requested", demand: e.d, pathBandwidth: path });
      lightpaths.request(e.a, e.b, () => {
        net.addOverlayLink(e.a, e.b);
        const [x, y] = e.vms;
        net.setRule(placement.where(x), x, y, placement.where(y));
        net.setRule(placement.where(y), y, x, placement.where(x));
        this.record({ t: clock.now, a: e.a, b: e.b, event: "ready", demand: e.d, pathBandwidth: path });
      });
    }
  }
}
