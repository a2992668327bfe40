/**
 * VRESERVE (HPDC 2005): from the inferred traffic, find host pairs whose VMs' demand is a
 * large share of what their path gives, request a dedicated lightpath between the hosts, and
 * once it is up forward those VM pairs' overlay traffic over it. No change to the
 * application. It reads VTTIF's graph (every application's latest report), never its class:
 * an `unknown` graph is acted on like any other.
 */
import { z } from "zod";
import type { Clock, Lightpaths, NetControl, Placement } from "../ports/index.js";
import { bandwidth, byteRate, fraction, positiveCount, positiveSeconds, seconds } from "../scenario/quantities.js";
import type { Vttif } from "../vttif/index.js";
import type { Wren } from "../wren/index.js";

export const vreserveSchema = z.strictObject({
  enabled: z.boolean().default(false),
  interval: positiveSeconds.default(5),
  threshold: fraction.default(0.5).describe("request when a pair's demand exceeds this fraction of its path's bandwidth"),
  minDemand: byteRate.default(1e6).describe("bytes per second below which a pair is never heavy"),
  setupDelay: seconds.default(30).describe("seconds until a requested lightpath carries traffic"),
  bandwidth: bandwidth.default(1.25e8).describe("lightpath bytes per second"),
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
    const demand = new Map<string, { a: string; b: string; vms: [string, string][]; d: number }>();
    for (let k = 0; k < r.src.length; k++) {
      const va = r.names[r.src[k]], vb = r.names[r.dst[k]];
      const ha = placement.where(va), hb = placement.where(vb);
      if (ha === hb) continue;
      const key = ha < hb ? `${ha}\t${hb}` : `${hb}\t${ha}`;
      const e = demand.get(key) ?? { a: ha, b: hb, vms: [], d: 0 };
      // Both directions of a VM pair count once as a pair, twice as demand.
      if (!e.vms.some(([x, y]) => (x === va && y === vb) || (x === vb && y === va))) e.vms.push([va, vb]);
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
        for (const [x, y] of e.vms) {
          net.setRule(placement.where(x), x, y, placement.where(y));
          net.setRule(placement.where(y), y, x, placement.where(x));
        }
        this.record({ t: clock.now, a: e.a, b: e.b, event: "ready", demand: e.d, pathBandwidth: path });
      });
    }
  }
}
