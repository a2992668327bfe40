/**
 * VNET: a user-level daemon on every host plus one on the Proxy, forwarding VM frames over
 * overlay links. A daemon acts as a switch: a rule for (src VM, dst VM) names the next daemon;
 * without one, the first-generation star sends everything through the Proxy.
 *
 * A message is one pipelined flow over the physical routes between the daemons it crosses;
 * each daemon adds its forwarding latency, and its throughput cap is a shared resource.
 * Daemons count the bytes they forward per (src VM, dst VM): VTTIF's input.
 */
import type { Simulation } from "../../kernel/index.js";
import type { Host } from "../host/index.js";
import type { Flow, FlowNetwork } from "../network/index.js";
import type { Vm } from "../vm/index.js";
import type { OverlaySpec } from "./schema.js";

export interface Message {
  src: Vm;
  dst: Vm;
  bytes: number;
  /** Daemons crossed, source daemon first; empty when sent outside the overlay. */
  daemons: Host[];
  start: number;
  end: number;
  latency: number;
  flow: Flow;
}

const NO_DAEMONS: Host[] = [];

/**
 * A sent message: its numbers are read from its flow rather than copied (a million messages
 * in flight each saved four boxed doubles), and it carries the sender's callback, so a send
 * allocates no closure.
 */
class Sent implements Message {
  flow!: Flow;
  constructor(readonly src: Vm, readonly dst: Vm, readonly daemons: Host[], readonly notify: ((m: Message) => void) | undefined) {}
  get bytes(): number {
    return this.flow.bytes;
  }
  get start(): number {
    return this.flow.startTime;
  }
  /** NaN until delivered. */
  get end(): number {
    return this.flow.endTime;
  }
  /** The path's one-way latency, once delivered (0 before). */
  get latency(): number {
    return Number.isNaN(this.flow.endTime) ? 0 : this.flow.latency;
  }
}

export class Daemon {
  /** Bytes forwarded per "src\tdst" VM pair since the last read. */
  counts = new Map<string, number>();
  /** Overlay links to other daemons, and whether each is encrypted. */
  readonly links = new Map<Host, boolean>();
  readonly rules = new Map<string, Host>();
  /** Flow-network resource for this daemon's forwarding capacity. */
  resource = -1;

  constructor(readonly host: Host) {}
}

export class Vnet {
  readonly daemons = new Map<Host, Daemon>();
  readonly proxy: Host | undefined;
  private observers: ((m: Message) => void)[] = [];

  constructor(
    private readonly sim: Simulation,
    private readonly net: FlowNetwork,
    hosts: readonly Host[],
    readonly spec: OverlaySpec,
  ) {
    for (const h of hosts) {
      const d = new Daemon(h);
      if (spec.daemonBandwidth < Infinity) d.resource = net.topo.addResource(spec.daemonBandwidth, `vnet.${h.id}`);
      this.daemons.set(h, d);
    }
    this.proxy = spec.proxy === undefined ? undefined : hosts.find((h) => h.id === spec.proxy);
    if (spec.mode === "star" && this.proxy) {
      for (const h of hosts) if (h !== this.proxy) this.addLink(h, this.proxy);
    }
  }

  get enabled(): boolean {
    return this.spec.enabled;
  }

  daemon(h: Host): Daemon {
    const d = this.daemons.get(h);
    if (!d) throw new Error(`vnet: no daemon on ${h.id}`);
    return d;
  }

  addLink(a: Host, b: Host, ssl = false): void {
    this.daemon(a).links.set(b, ssl);
    this.daemon(b).links.set(a, ssl);
  }

  removeLink(a: Host, b: Host): void {
    this.daemon(a).links.delete(b);
    this.daemon(b).links.delete(a);
  }

  /** At daemon `at`, frames from `src` to `dst` go to `next` (undefined: back to the default). */
  setRule(at: Host, src: string, dst: string, next: Host | undefined): void {
    const d = this.daemon(at);
    if (next === undefined) d.rules.delete(`${src}\t${dst}`);
    else d.rules.set(`${src}\t${dst}`, next);
  }

  /**
   * The daemons a frame from `src` to `dst` crosses, following rules and defaults. Rules are
   * set for where the VMs were; after a migration, or a link removed, they may lead back to a
   * daemon already crossed or over a link that is gone. Then the frame takes the default route
   * from its source (via the Proxy in star mode, straight across in direct mode), which is
   * loop-free whatever the rules say, and `staleRoutes` counts it.
   */
  path(src: Vm, dst: Vm): Host[] {
    const path = [src.host];
    const key = `${src.name}\t${dst.name}`;
    for (let at = src.host; at !== dst.host; ) {
      const d = this.daemon(at);
      const rule = d.rules.get(key);
      const next = rule ?? this.defaultNext(at, dst.host);
      const unlinked = rule !== undefined && this.spec.mode === "star" && !d.links.has(next);
      if (unlinked || path.includes(next)) return this.defaultPath(src.host, dst.host);
      path.push(next);
      at = next;
    }
    return path;
  }

  /** Frames that met a stale rule (a loop or a missing link) and took the default route. */
  staleRoutes = 0;

  private defaultPath(src: Host, dst: Host): Host[] {
    this.staleRoutes++;
    const proxy = this.spec.mode === "star" ? this.proxy : undefined;
    return proxy === undefined || proxy === src || proxy === dst ? [src, dst] : [src, proxy, dst];
  }

  private defaultNext(at: Host, dst: Host): Host {
    if (this.spec.mode === "direct" || !this.proxy) return dst;
    return at === this.proxy ? dst : this.proxy;
  }

  /** Sends `bytes` from VM `src` to VM `dst`; through the overlay when it is enabled. */
  send(src: Vm, dst: Vm, bytes: number, onDone?: (m: Message) => void, viaOverlay = this.spec.enabled): Message {
    const daemons = viaOverlay ? this.path(src, dst) : NO_DAEMONS;
    const msg = new Sent(src, dst, daemons, onDone);
    const done = this.deliveredCb;
    const latency = src.host.params.vnicLatency + dst.host.params.vnicLatency;
    const tag = this.net.tracing ? `${src.name}>${dst.name}` : undefined;
    if (daemons.length === 0) {
      msg.flow = this.net.start(src.host.node, dst.host.node, bytes, { extraLatency: latency, tag, onDone: done, context: msg });
      return msg;
    }
    const s = this.spec;
    let extraLatency = latency + daemons.length * s.forwardLatency;
    let cap = Infinity;
    const extra: number[] = [];
    for (let i = 0; i < daemons.length; i++) {
      const d = this.daemon(daemons[i]);
      if (d.resource >= 0) extra.push(d.resource);
      if (i + 1 < daemons.length && d.links.get(daemons[i + 1])) {
        // Encrypted by one daemon, decrypted by the next.
        extraLatency += 2 * s.ssl.latency;
        cap = Math.min(cap, s.ssl.bandwidth);
      }
    }
    const via = daemons.length > 2 ? daemons.slice(1, -1).map((h) => h.node) : undefined;
    msg.flow = this.net.start(src.host.node, dst.host.node, bytes, { via, extraLatency, cap, extraResources: extra, tag, onDone: done, context: msg });
    return msg;
  }

  private readonly deliveredCb = (f: Flow) => this.delivered(f);

  private delivered(f: Flow): void {
    const msg = f.context as Sent;
    if (msg.daemons.length > 0) this.count(msg.daemons, msg.src, msg.dst, msg.bytes);
    for (const o of this.observers) o(msg);
    msg.notify?.(msg);
  }

  private count(daemons: Host[], src: Vm, dst: Vm, bytes: number): void {
    const key = `${src.name}\t${dst.name}`;
    for (const h of daemons) {
      const c = this.daemon(h).counts;
      c.set(key, (c.get(key) ?? 0) + bytes);
    }
  }

  /** Calls `fn` with every completed message (Wren's input). */
  observe(fn: (m: Message) => void): void {
    this.observers.push(fn);
  }
}
