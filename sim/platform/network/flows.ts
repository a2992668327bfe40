/**
 * Transfers as flows over routes. A flow first waits out its route latency (times the
 * model's latency factor), then competes for bandwidth until its bytes are sent: plain
 * max-min, or weighted by 1 / latency with cross traffic on the reverse path as SimGrid's
 * CM02 and LV08 (model.ts). Inelastic flows share fairly among themselves first; elastic ones
 * share what is left. Starts and ends at one instant are batched into a single re-share, and
 * only the connected component of flows and resources they touch is solved again.
 */
import type { Callback, Simulation, TraceTable } from "../../kernel/index.js";
import { COMPLETION_PRIORITY } from "../activity.js";
import { MaxMinSolver } from "./maxmin.js";
import { modelDefaults, type SharingModel } from "./model.js";
import type { Router } from "./routing.js";
import type { Topology } from "./topology.js";

/** Re-sharing runs after every other event of the instant, so simultaneous changes batch. */
const RESHARE_PRIORITY = 10;

/**
 * Flows due within this fraction of the simulated time complete together (see
 * completeNearlyDone). Rounding spreads analytically equal finish times by ~1e-15 relative;
 * 1e-12 merges them and moves no finish time by more than a trillionth. (1e-9 merged ends
 * a microsecond apart at t = 800 s, which flipped a pre-copy decision in a scenario.)
 */
export const COMPLETION_PRECISION = 1e-12;

export interface FlowOptions {
  /** Rate cap in bytes/s (a TCP window limit or an endpoint's own limit). */
  cap?: number;
  /** Latency added to the route's (forwarding delays). */
  extraLatency?: number;
  /** Non-link resources to cross as well (overlay daemons). */
  extraResources?: readonly number[];
  /** Physical routes to concatenate instead of the direct src -> dst route. */
  via?: readonly number[];
  /** Shares fairly with other inelastic flows, up to its cap, before elastic flows share what is left (UDP-like cross traffic). */
  inelastic?: boolean;
  onDone?: (flow: Flow) => void;
  /** Whatever the caller needs back in onDone (one shared callback then serves every flow). */
  context?: unknown;
  tag?: string;
}

/**
 * A flow's numbers live in rows of one shared Float64Array while it runs (struct of arrays):
 * as object fields each double would be a separate 16-byte heap box, and an all-to-all at
 * 1,024 ranks keeps a million flows at once. A flow that ends copies its row out, so a
 * caller holding it still reads its numbers after the row is reused.
 */
const REMAINING = 0, RATE = 1, LAST = 2, AMOUNT = 3, CAP = 4, LATENCY = 5, PENALTY = 6, START = 7, ACTIVE_AT = 8, END = 9, HANDLE = 10;
const K = 11;

export class FlowRows {
  data = new Float64Array(K * 256);
  private free: number[] = [];
  private used = 0;

  /** Offset of a fresh row. */
  take(): number {
    const o = this.free.pop();
    if (o !== undefined) return o;
    if ((this.used + 1) * K > this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    return this.used++ * K;
  }

  give(o: number): void {
    this.free.push(o);
  }
}

export class Flow {
  /** Resources crossed: links of the route, then any extra ones. */
  resources!: Int32Array;
  /** Reverse-path resources charged with cross traffic. */
  back: Int32Array = NO_RESOURCES;
  mark = 0;
  stopped = false;
  inelastic = false;
  onDone?: (flow: Flow) => void;
  context: unknown = undefined;
  private rows: { data: Float64Array | number[] };
  private o: number;

  constructor(readonly id: number, readonly src: number, readonly dst: number, bytes: number, now: number, readonly tag: string, rows: FlowRows) {
    this.rows = rows;
    this.o = rows.take();
    const d = rows.data, o = this.o;
    d[o + REMAINING] = bytes;
    d[o + RATE] = 0;
    d[o + LAST] = now;
    d[o + AMOUNT] = bytes;
    d[o + CAP] = Infinity;
    d[o + LATENCY] = 0;
    d[o + PENALTY] = 1;
    d[o + START] = now;
    d[o + ACTIVE_AT] = 0;
    d[o + END] = NaN;
    d[o + HANDLE] = -1;
  }

  get bytes(): number { return this.rows.data[this.o + AMOUNT]; }
  get amount(): number { return this.rows.data[this.o + AMOUNT]; }
  get remaining(): number { return this.rows.data[this.o + REMAINING]; }
  set remaining(v: number) { this.rows.data[this.o + REMAINING] = v; }
  get rate(): number { return this.rows.data[this.o + RATE]; }
  set rate(v: number) { this.rows.data[this.o + RATE] = v; }
  get last(): number { return this.rows.data[this.o + LAST]; }
  set last(v: number) { this.rows.data[this.o + LAST] = v; }
  /** Rate cap in bytes/s. */
  get cap(): number { return this.rows.data[this.o + CAP]; }
  set cap(v: number) { this.rows.data[this.o + CAP] = v; }
  /** One-way latency of the path (before the model's latency factor). */
  get latency(): number { return this.rows.data[this.o + LATENCY]; }
  set latency(v: number) { this.rows.data[this.o + LATENCY] = v; }
  /** Share is inversely proportional to this (1 under plain max-min). */
  get penalty(): number { return this.rows.data[this.o + PENALTY]; }
  set penalty(v: number) { this.rows.data[this.o + PENALTY] = v; }
  get startTime(): number { return this.rows.data[this.o + START]; }
  get activeAt(): number { return this.rows.data[this.o + ACTIVE_AT]; }
  set activeAt(v: number) { this.rows.data[this.o + ACTIVE_AT] = v; }
  get endTime(): number { return this.rows.data[this.o + END]; }
  set endTime(v: number) { this.rows.data[this.o + END] = v; }

  /** Moves its numbers out of the shared rows, which may then serve another flow. */
  detach(rows: FlowRows): void {
    if (this.rows !== rows) return;
    // A plain array of doubles: allocated on the JS heap, where a typed array's separate
    // buffer would cost a native allocation and external-memory GC pressure per ended flow.
    const copy = new Array<number>(K);
    for (let i = 0; i < K; i++) copy[i] = rows.data[this.o + i];
    this.rows = { data: copy };
    rows.give(this.o);
    this.o = 0;
  }

  /** Brings `remaining` up to `now`; returns the bytes sent since the last settle. */
  settle(now: number): number {
    const d = this.rows.data, o = this.o;
    const done = Math.min(d[o + REMAINING], d[o + RATE] * (now - d[o + LAST]));
    d[o + LAST] = now;
    if (done > 0) d[o + REMAINING] -= done;
    return done > 0 ? done : 0;
  }

  /** Settles, sets a new rate, and moves the completion event to match it (as Activity). */
  setRate(sim: Simulation, rate: number, onComplete: Callback): number {
    const done = this.settle(sim.now);
    const d = this.rows.data, o = this.o;
    d[o + RATE] = rate;
    this.unschedule(sim);
    const left = d[o + REMAINING];
    if (left <= 0) d[o + HANDLE] = sim.schedule(0, onComplete, this, COMPLETION_PRIORITY);
    else if (rate > 0 && left < Infinity) d[o + HANDLE] = sim.schedule(left / rate, onComplete, this, COMPLETION_PRIORITY);
    return done;
  }

  unschedule(sim: Simulation): void {
    const d = this.rows.data, o = this.o;
    if (d[o + HANDLE] >= 0) sim.queue.cancel(d[o + HANDLE]);
    d[o + HANDLE] = -1;
  }

  /** Marks the flow finished (called from its completion event). */
  finish(now: number): void {
    const d = this.rows.data, o = this.o;
    d[o + HANDLE] = -1;
    d[o + LAST] = now;
    d[o + REMAINING] = 0;
  }
}

const NO_RESOURCES = new Int32Array(0);
/** The mark of a flow that has left the network. */
const LEFT = -1;

export interface FlowNetworkOptions {
  tcpWindow?: number;
  localBandwidth: number;
  trace?: TraceTable;
  /** Sharing model; plain max-min by default. */
  model?: Omit<SharingModel, "tcpWindow">;
}

export class FlowNetwork {
  /**
   * Flows on each resource in arrival order. A flow that leaves stays until more than half of
   * a resource's entries have left (its mark is then LEFT): a Set costs ~40 bytes an entry.
   */
  private onRes: Flow[][] = [];
  private left = new Int32Array(64);
  /** Bytes carried per resource. */
  carried = new Float64Array(64);
  private resMark = new Int32Array(64);
  private epoch = 0;
  private dirty: number[] = [];
  private reshareQueued = false;
  private solver = new MaxMinSolver();
  private readonly rows = new FlowRows();
  private nextId = 0;
  active = 0;
  completed = 0;
  reshares = 0;
  /** Flows whose rate was re-solved, summed over re-shares (how local the updates are). */
  resolved = 0;
  private readonly completeCb = (f: Flow) => this.complete(f);
  private readonly activateCb = (f: Flow) => this.activate(f);
  private readonly reshareCb = () => this.reshare();
  private readonly model: Omit<SharingModel, "tcpWindow">;

  constructor(
    private readonly sim: Simulation,
    readonly topo: Topology,
    readonly router: Router,
    private readonly opts: FlowNetworkOptions,
  ) {
    this.model = opts.model ?? modelDefaults.maxmin;
  }

  /** Starts a transfer of `bytes` from node `src` to node `dst`. */
  start(src: number, dst: number, bytes: number, o: FlowOptions = {}): Flow {
    if (!(bytes >= 0)) throw new RangeError(`flow size must be >= 0, got ${bytes}`);
    const f = new Flow(this.nextId++, src, dst, bytes, this.sim.now, o.tag ?? "", this.rows);
    const model = this.model;
    const cross = model.crossTraffic > 0 && !o.inelastic;
    let latency = o.extraLatency ?? 0;
    // Links crossed; none means both ends are on one host, whatever daemons the flow crosses.
    let links = 0;
    if (!o.via?.length && !o.extraResources?.length) {
      // The common case shares the cached route's resource list.
      const r = this.router.route(src, dst);
      f.resources = r.resources;
      latency += r.latency;
      links = r.resources.length;
      if (cross && links > 0) f.back = this.router.route(dst, src).resources;
    } else {
      const hops = [src, ...(o.via ?? []), dst];
      const parts: Int32Array[] = [], backParts: Int32Array[] = [];
      for (let i = 0; i + 1 < hops.length; i++) {
        const r = this.router.route(hops[i], hops[i + 1]);
        parts.push(r.resources);
        latency += r.latency;
        links += r.resources.length;
        if (cross) backParts.push(this.router.route(hops[i + 1], hops[i]).resources);
      }
      if (o.extraResources) parts.push(Int32Array.from(o.extraResources));
      f.resources = concat(parts);
      if (cross && links > 0) f.back = concat(backParts.reverse());
    }
    f.latency = latency;
    f.cap = o.cap ?? Infinity;
    const rtt = 2 * latency;
    // The window bounds the flow's share, which the bandwidth factor then scales (as SimGrid).
    if (this.opts.tcpWindow !== undefined && rtt > 0) f.cap = Math.min(f.cap, (this.opts.tcpWindow / rtt) * model.bandwidthFactor);
    if (links === 0) f.cap = Math.min(f.cap, this.opts.localBandwidth);
    if (model.latencyWeighted && latency > 0) {
      // CM02: share in inverse proportion to latency; LV08 adds S / bandwidth per link crossed.
      let penalty = latency;
      if (model.weightS > 0) for (const r of f.resources) if (this.topo.isLink(r)) penalty += model.weightS / this.topo.capacity[r];
      f.penalty = penalty;
    }
    f.onDone = o.onDone;
    f.context = o.context;
    f.inelastic = o.inelastic ?? false;
    const wait = latency * model.latencyFactor;
    f.activeAt = this.sim.now + wait;
    this.active++;
    this.sim.schedule(wait, this.activateCb, f);
    return f;
  }

  /** Ends a flow early (a stream that stops); its onDone is not called. */
  stop(f: Flow): void {
    if (!Number.isNaN(f.endTime)) return;
    const sent = f.settle(this.sim.now);
    this.account(f, sent);
    f.unschedule(this.sim);
    f.rate = 0;
    f.endTime = this.sim.now;
    if (this.sim.now < f.activeAt) {
      // Its activation event is still queued and must see it stopped: the row goes then.
      f.stopped = true;
    } else {
      this.leave(f);
      f.detach(this.rows);
    }
    this.active--;
  }

  /** Whether flows are recorded: callers can skip building tags otherwise. */
  get tracing(): boolean {
    return this.opts.trace !== undefined;
  }

  private activate(f: Flow): void {
    if (f.stopped) return f.detach(this.rows);
    f.last = this.sim.now;
    if (f.resources.length === 0) {
      f.setRate(this.sim, f.cap, this.completeCb);
      return;
    }
    this.growTo(this.topo.resourceCount);
    for (const r of f.resources) {
      this.onRes[r].push(f);
      this.touch(r);
    }
    for (const r of f.back) {
      this.onRes[r].push(f);
      this.touch(r);
    }
  }

  private leave(f: Flow): void {
    f.mark = LEFT;
    for (const r of f.resources) this.drop(r);
    for (const r of f.back) this.drop(r);
  }

  private drop(r: number): void {
    const on = this.onRes[r];
    if (2 * ++this.left[r] > on.length) {
      let k = 0;
      for (const g of on) if (g.mark !== LEFT) on[k++] = g;
      on.length = k;
      this.left[r] = 0;
    }
    this.touch(r);
  }

  private complete(f: Flow): void {
    const sim = this.sim;
    const sent = f.settle(sim.now) + f.remaining;
    this.account(f, sent);
    f.finish(sim.now);
    f.rate = 0;
    f.endTime = sim.now;
    this.leave(f);
    this.active--;
    this.completed++;
    this.opts.trace?.row(f.id, f.tag, this.topo.nodes[f.src], this.topo.nodes[f.dst], f.bytes, f.startTime, f.endTime);
    f.detach(this.rows);
    f.onDone?.(f);
  }

  private account(f: Flow, sent: number): void {
    if (sent > 0) for (const r of f.resources) this.carried[r] += sent;
  }

  private touch(r: number): void {
    this.dirty.push(r);
    if (!this.reshareQueued) {
      this.reshareQueued = true;
      this.sim.schedule(0, this.reshareCb, undefined, RESHARE_PRIORITY);
    }
  }

  /** Re-solves the components around the resources touched since the last re-share. */
  private reshare(): void {
    this.reshareQueued = false;
    this.reshares++;
    const epoch = ++this.epoch;
    const flows: Flow[] = [];
    const resources: number[] = [];
    const stack: number[] = [];
    for (const r of this.dirty) {
      if (this.resMark[r] === epoch) continue;
      this.resMark[r] = epoch;
      stack.push(r);
      resources.push(r);
    }
    this.dirty.length = 0;
    while (stack.length > 0) {
      const r = stack.pop()!;
      for (const f of this.onRes[r]) {
        if (f.mark === epoch || f.mark === LEFT) continue;
        f.mark = epoch;
        flows.push(f);
        for (let side = 0; side < 2; side++) {
          for (const r2 of side === 0 ? f.resources : f.back) {
            if (this.resMark[r2] !== epoch) {
              this.resMark[r2] = epoch;
              stack.push(r2);
              resources.push(r2);
            }
          }
        }
      }
    }
    if (flows.length === 0) return;
    if (this.completeNearlyDone(flows)) return; // Their leaving queued another re-share.
    this.resolved += flows.length;
    this.solveComponent(flows, resources);
  }

  /**
   * Completes now the flows of a component due within COMPLETION_PRECISION x now: flows that
   * finish together analytically land a few ulps apart through rounding in their bottleneck
   * levels, and each landing would re-solve the whole component again (at 1,024-rank
   * all-to-all, ~58 instants of a million flows each). Returns whether any completed.
   */
  private completeNearlyDone(flows: Flow[]): boolean {
    const now = this.sim.now, slack = COMPLETION_PRECISION * now;
    let due: Flow[] | undefined;
    for (const f of flows) {
      const rate = f.rate;
      if (rate > 0 && f.remaining - rate * (now - f.last) <= rate * slack) (due ??= []).push(f);
    }
    if (!due) return false;
    for (const f of due) {
      f.unschedule(this.sim);
      this.complete(f);
    }
    return true;
  }

  private local = new Int32Array(64);

  private solveComponent(flows: Flow[], resources: number[]): void {
    const { topo, model } = this;
    // Solved in units of a flow's share; rates are shares times the bandwidth factor, so
    // capacities that are not links (daemons) and caps given in bytes/s are divided by it.
    const bwf = model.bandwidthFactor;
    const capacity = new Float64Array(resources.length);
    const fatpipe = new Uint8Array(resources.length);
    let anyFatpipe = false;
    resources.forEach((r, i) => {
      this.local[r] = i;
      capacity[i] = topo.isLink(r) ? topo.capacity[r] : topo.capacity[r] / bwf;
      if (topo.isFatpipe(r)) fatpipe[i] = 1, (anyFatpipe = true);
    });
    const rates = new Float64Array(flows.length);
    const inelastic = flows.filter((f) => f.inelastic);
    if (inelastic.length > 0) {
      // Inelastic flows first, plain max-min among themselves; elastic ones share the rest.
      const fixedRate = new Map<Flow, number>();
      const r = this.solveSet(inelastic, capacity, anyFatpipe ? fatpipe : undefined, false);
      inelastic.forEach((f, i) => {
        fixedRate.set(f, r[i]);
        for (const res of f.resources) if (!topo.isFatpipe(res)) capacity[this.local[res]] = Math.max(0, capacity[this.local[res]] - r[i]);
      });
      const elastic = flows.filter((f) => !f.inelastic);
      const re = this.solveSet(elastic, capacity, anyFatpipe ? fatpipe : undefined, model.latencyWeighted);
      elastic.forEach((f, i) => fixedRate.set(f, re[i]));
      flows.forEach((f, i) => (rates[i] = fixedRate.get(f)!));
    } else {
      rates.set(this.solveSet(flows, capacity, anyFatpipe ? fatpipe : undefined, model.latencyWeighted));
    }
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i];
      const rate = bwf === 1 ? rates[i] : rates[i] * bwf;
      if (rate !== f.rate) this.account(f, f.setRate(this.sim, rate, this.completeCb));
    }
  }

  /** Shares of `flows` (in share units) over the component's capacities. */
  private solveSet(flows: Flow[], capacity: Float64Array, fatpipe: Uint8Array | undefined, weighted: boolean): Float64Array {
    const bwf = this.model.bandwidthFactor, cw = this.model.crossTraffic;
    const flowStart = new Int32Array(flows.length + 1);
    let n = 0, anyBack = false;
    for (let i = 0; i < flows.length; i++) {
      n += flows[i].resources.length + flows[i].back.length;
      if (flows[i].back.length > 0) anyBack = true;
      flowStart[i + 1] = n;
    }
    const flowRes = new Int32Array(n);
    const weight = anyBack ? new Float64Array(n) : undefined;
    const cap = new Float64Array(flows.length);
    const penalty = weighted ? new Float64Array(flows.length) : undefined;
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i];
      let k = flowStart[i];
      for (const r of f.resources) {
        if (weight) weight[k] = 1;
        flowRes[k++] = this.local[r];
      }
      for (const r of f.back) {
        weight![k] = cw;
        flowRes[k++] = this.local[r];
      }
      cap[i] = bwf === 1 ? f.cap : f.cap / bwf;
      if (penalty) penalty[i] = f.penalty;
    }
    const rates = new Float64Array(flows.length);
    this.solver.solve({ capacity, nFlows: flows.length, flowStart, flowRes, cap, penalty, weight, fatpipe }, rates);
    return rates;
  }

  /** Brings byte counters up to now (for statistics mid-run). */
  settleAll(): void {
    const seen = new Set<Flow>();
    for (const on of this.onRes) {
      for (const f of on) {
        if (f.mark === LEFT || seen.has(f)) continue;
        seen.add(f);
        this.account(f, f.settle(this.sim.now));
      }
    }
  }

  private growTo(n: number): void {
    while (this.onRes.length < n) this.onRes.push([]);
    if (this.carried.length < n) {
      const c = new Float64Array(2 * n);
      c.set(this.carried);
      this.carried = c;
      this.resMark = new Int32Array(2 * n);
      const left = new Int32Array(2 * n);
      left.set(this.left);
      this.left = left;
      this.local = new Int32Array(2 * n);
    }
  }
}

function concat(parts: Int32Array[]): Int32Array {
  const res = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let k = 0;
  for (const p of parts) {
    res.set(p, k);
    k += p.length;
  }
  return res;
}
