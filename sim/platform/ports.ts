/** The ports of sim/ports, implemented over the simulated platform. */
import type { Admission, CpuControl, Lightpaths, Messenger, NetControl, Placement, Reservation, TrafficSample, TrafficTap, TransferObservation, TransferSource } from "../ports/index.js";
import type { World } from "./world.js";

/** A CPU scheduler that can take reservations (VSched) implements this too. */
export interface Reservable {
  reserve(vm: string, r: Reservation): Admission;
  release(vm: string): void;
}

function isReservable(x: unknown): x is Reservable {
  return typeof (x as Reservable).reserve === "function" && typeof (x as Reservable).release === "function";
}

export class SimCpuControl implements CpuControl {
  constructor(private readonly world: World) {}

  reserve(vm: string, r: Reservation): Admission {
    const host = this.world.vm(vm).host;
    if (!isReservable(host.scheduler)) return { admitted: false, reason: `host ${host.id} has no real-time scheduler (scheduler: ${host.scheduler.name})` };
    return host.scheduler.reserve(vm, r);
  }

  release(vm: string): void {
    const s = this.world.vm(vm).host.scheduler;
    if (isReservable(s)) s.release(vm);
  }

  usage(vm: string): number {
    const v = this.world.vm(vm);
    v.settle();
    return v.cpuSeconds;
  }

  progress(app: string): number | undefined {
    return this.world.progress.get(app)?.();
  }
}

export class SimTrafficTap implements TrafficTap, TransferSource {
  constructor(private readonly world: World) {}

  hosts(): string[] {
    return [...this.world.hosts.keys()];
  }

  read(host: string): TrafficSample[] {
    const h = this.world.host(host);
    const d = this.world.vnet.daemon(h);
    const out: TrafficSample[] = [];
    for (const [key, bytes] of d.counts) {
      const tab = key.indexOf("\t");
      const src = key.slice(0, tab);
      // Only the rows of VMs hosted here; forwarding daemons see the rest too.
      if (this.world.vms.get(src)?.host === h) out.push({ src, dst: key.slice(tab + 1), bytes });
    }
    d.counts.clear();
    return out;
  }

  observe(fn: (o: TransferObservation) => void): void {
    this.world.vnet.observe((m) =>
      fn({ srcVm: m.src.name, dstVm: m.dst.name, srcHost: m.src.host.id, dstHost: m.dst.host.id, bytes: m.bytes, start: m.start, end: m.end, latency: m.latency }),
    );
  }
}

/** Control messages as flows between hosts over the physical network. */
export class SimMessenger implements Messenger {
  constructor(private readonly world: World) {}

  send(from: string, to: string, bytes: number, onDone: () => void): void {
    this.world.net.start(this.world.host(from).node, this.world.host(to).node, bytes, { onDone, tag: "control" });
  }
}

/** Lightpaths appear after a setup delay as new host-to-host links, which routing prefers. */
export class SimLightpaths implements Lightpaths {
  constructor(private readonly world: World, private readonly setupDelay: number, private readonly bandwidth: number, private readonly latency: number) {}

  request(a: string, b: string, onReady: () => void): void {
    this.world.sim.schedule(this.setupDelay, () => {
      this.world.topo.addLink(this.world.host(a).node, this.world.host(b).node, this.bandwidth, this.latency, true, `lightpath:${a}-${b}`);
      onReady();
    });
  }
}

export class SimNetControl implements NetControl, Placement {
  constructor(private readonly world: World) {}

  addOverlayLink(a: string, b: string): void {
    this.world.vnet.addLink(this.world.host(a), this.world.host(b));
  }

  removeOverlayLink(a: string, b: string): void {
    this.world.vnet.removeLink(this.world.host(a), this.world.host(b));
  }

  setRule(at: string, src: string, dst: string, next: string | undefined): void {
    this.world.vnet.setRule(this.world.host(at), src, dst, next === undefined ? undefined : this.world.host(next));
  }

  measure(a: string, b: string): { bandwidth: number; latency: number } {
    const r = this.world.router.route(this.world.host(a).node, this.world.host(b).node);
    let bandwidth = Infinity;
    for (const res of r.resources) bandwidth = Math.min(bandwidth, this.world.topo.capacity[res]);
    return { bandwidth, latency: r.latency };
  }

  access(host: string, peers: readonly string[]): number | undefined {
    const from = this.world.host(host).node;
    let first: number | undefined;
    for (const p of peers) {
      if (p === host) continue;
      const r = this.world.router.route(from, this.world.host(p).node).resources;
      if (r.length === 0 || (first !== undefined && r[0] !== first)) return undefined;
      first = r[0];
    }
    return first === undefined ? undefined : this.world.topo.capacity[first];
  }

  where(vm: string): string {
    return this.world.vm(vm).host.id;
  }

  memory(vm: string): number {
    return this.world.vm(vm).memory;
  }

  migrate(vm: string, host: string, onDone?: Parameters<Placement["migrate"]>[2]): void {
    this.world.migrate(this.world.vm(vm), this.world.host(host), onDone);
  }
}
