/**
 * VTTIF: infers each application's communication topology from the traffic the overlay
 * daemons see. Every update interval each daemon sends its local rows to the aggregator (a
 * real message, so inference costs traffic); the aggregator smooths the global matrix over a
 * window and, per application group (see apps.ts), normalises the group's part of it by its
 * largest entry, prunes small entries and classifies the rest. A new graph is reported, with
 * its class (`unknown` when it matches no pattern), once it has persisted for `damping`
 * updates. Consumers act on the graph; the class is a label.
 */
import { mix32 as mix } from "../kernel/hash.js";
import type { Clock, Messenger, TrafficSample, TrafficTap } from "../ports/index.js";
import { appGroups, type AppGroup, type Application } from "./apps.js";
import { classify, type Topology } from "./classify.js";
import { TrafficMatrix } from "./matrix.js";

export interface VttifParams {
  interval: number;
  window: number;
  threshold: number;
  damping: number;
  aggregator: string;
  reportHeader: number;
  entryBytes: number;
  /** Applications and their VMs; absent or empty: one report over every VM. */
  apps?: readonly Application[];
}

export interface Inference {
  t: number;
  /** Application group the graph belongs to ("*": every VM; groups joined with "," in a union). */
  app: string;
  topology: Topology;
  /** How cleanly the threshold separates kept from pruned entries: 1 clean, 0 none. */
  confidence: number;
  /** VMs that communicate. */
  vms: string[];
  /** Kept edges: indices into `names`, and weights normalised by the group's largest entry. */
  src: Int32Array;
  dst: Int32Array;
  weight: Float64Array;
  names: readonly string[];
  /** Order-free fingerprint of the kept edge set, to tell graphs apart cheaply. */
  fingerprint: string;
}

/** Kept edges as [src, dst, weight] by VM name (for tables and figures). */
export function edgeList(inf: Inference): [string, string, number][] {
  return Array.from(inf.src, (a, k) => [inf.names[a], inf.names[inf.dst[k]], inf.weight[k]]);
}

interface GroupState {
  group: AppGroup;
  latest: Inference | undefined;
  candidate: Inference | undefined;
  streak: number;
  /** Kept-edge buffers, reused across updates (one set per group, so groups do not clobber each other). */
  src: Int32Array;
  dst: Int32Array;
  weight: Float64Array;
}

export class Vttif {
  readonly matrix: TrafficMatrix;
  /** Reported graphs of every group, in time order (groups in their order within one update). */
  readonly reports: Inference[] = [];
  private listeners: ((r: Inference) => void)[] = [];
  controlBytes = 0;
  private readonly groups: GroupState[];
  /** Group of each matrix index (-1: in no group), extended as VMs appear. */
  private groupOf = new Int32Array(0);
  private known = 0;
  private union: Inference | undefined;

  constructor(private readonly clock: Clock, private readonly tap: TrafficTap, private readonly messenger: Messenger, readonly params: VttifParams) {
    this.matrix = new TrafficMatrix(params.window);
    this.groups = appGroups(params.apps).map((group) => ({ group, latest: undefined, candidate: undefined, streak: 0, src: new Int32Array(0), dst: new Int32Array(0), weight: new Float64Array(0) }));
    clock.every(params.interval, () => this.collect());
  }

  onReport(fn: (r: Inference) => void): void {
    this.listeners.push(fn);
  }

  /** Application groups, in report order. */
  get apps(): string[] {
    return this.groups.map((g) => g.group.id);
  }

  /** The latest report of one group. */
  latest(app: string): Inference | undefined {
    return this.groups.find((g) => g.group.id === app)?.latest;
  }

  /**
   * What consumers act on: the latest report of every group that has reported, as one graph.
   * With one such group it is that report itself; with several, their edge union (app = the
   * groups' ids joined with ",", classified as a whole, so usually `unknown`).
   */
  get current(): Inference | undefined {
    const live = this.groups.flatMap((g) => (g.latest ? [g.latest] : []));
    if (live.length <= 1) return live[0];
    return (this.union ??= merge(live, this.matrix.names));
  }

  private collect(): void {
    const hosts = this.tap.hosts();
    const samples: TrafficSample[] = [];
    let pending = hosts.length;
    for (const h of hosts) {
      const rows = this.tap.read(h);
      const bytes = this.params.reportHeader + this.params.entryBytes * rows.length;
      const arrive = () => {
        samples.push(...rows);
        if (--pending === 0) this.update(samples);
      };
      if (h === this.params.aggregator) arrive();
      else {
        this.controlBytes += bytes;
        this.messenger.send(h, this.params.aggregator, bytes, arrive);
      }
    }
  }

  /** One inference step on a new interval's samples; returns the graph over every group. */
  update(samples: readonly TrafficSample[]): Inference {
    this.matrix.push(samples);
    const members = this.members();
    const infs = this.groups.map((g, i) => {
      const inf = this.inferGroup(g, members[i]);
      this.damp(g, inf);
      return inf;
    });
    return infs.length === 1 ? infs[0] : merge(infs, this.matrix.names);
  }

  /** Normalise, prune and classify the smoothed matrix (every group; see `update`). */
  infer(): Inference {
    const members = this.members();
    const infs = this.groups.map((g, i) => this.inferGroup(g, members[i]));
    return infs.length === 1 ? infs[0] : merge(infs, this.matrix.names);
  }

  /** Matrix indices of each group's VMs, in index order. */
  private members(): Int32Array[] {
    const m = this.matrix, n = m.size;
    if (this.groups.length === 1 && this.groups[0].group.vms === undefined) return [Int32Array.from({ length: n }, (_, i) => i)];
    if (this.known < n) {
      const next = new Int32Array(n);
      next.set(this.groupOf.subarray(0, this.known));
      for (let i = this.known; i < n; i++) next[i] = this.groups.findIndex((g) => g.group.vms!.has(m.names[i]));
      this.groupOf = next;
      this.known = n;
    }
    const counts = new Int32Array(this.groups.length);
    for (let i = 0; i < n; i++) if (this.groupOf[i] >= 0) counts[this.groupOf[i]]++;
    const out = Array.from(counts, (c) => new Int32Array(c));
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const g = this.groupOf[i];
      if (g >= 0) out[g][counts[g]++] = i;
    }
    return out;
  }

  /** One group's graph: only traffic between two of its VMs counts. */
  private inferGroup(g: GroupState, mem: Int32Array): Inference {
    const m = this.matrix, sum = m.sum, stride = m.stride, k = mem.length;
    let max = 0;
    for (let i = 0; i < k; i++) {
      const row = mem[i] * stride;
      for (let j = 0; j < k; j++) if (i !== j && sum[row + mem[j]] > max) max = sum[row + mem[j]];
    }
    const cut = max * this.params.threshold;
    // One pass keeps the edges, into buffers reused across updates.
    if (g.src.length < k * k) {
      g.src = new Int32Array(k * k);
      g.dst = new Int32Array(k * k);
      g.weight = new Float64Array(k * k);
    }
    const ks = g.src, kd = g.dst, kw = g.weight;
    const local = new Int32Array(m.size).fill(-1);
    const vms: string[] = [];
    let kept = 0, minKept = Infinity, maxDropped = 0, h1 = 0, h2 = 0;
    for (let i = 0; i < k; i++) {
      const a = mem[i], row = a * stride;
      for (let j = 0; j < k; j++) {
        const b = mem[j], v = sum[row + b];
        if (i === j || v <= 0) continue;
        if (v < cut) {
          if (v > maxDropped) maxDropped = v;
          continue;
        }
        if (v < minKept) minKept = v;
        ks[kept] = a;
        kd[kept] = b;
        kw[kept++] = v / max;
        if (local[a] < 0) local[a] = vms.push(m.names[a]) - 1;
        if (local[b] < 0) local[b] = vms.push(m.names[b]) - 1;
        const e = a * 65536 + b;
        h1 = (h1 + mix(e)) >>> 0;
        h2 += e;
      }
    }
    // Views into the reused buffers; a report takes its own copy.
    const src = ks.subarray(0, kept), dst = kd.subarray(0, kept), weight = kw.subarray(0, kept);
    const topology = classify(vms.length, { length: kept, src: (i) => local[src[i]], dst: (i) => local[dst[i]] });
    return {
      t: this.clock.now,
      app: g.group.id,
      topology,
      confidence: kept === 0 ? 0 : Math.max(0, (minKept - maxDropped) / minKept),
      vms,
      src,
      dst,
      weight,
      names: m.names,
      fingerprint: `${kept}:${h1}:${h2}`,
    };
  }

  /** Reports a group's new graph once it persists; an empty graph (no traffic) is never reported. */
  private damp(g: GroupState, inf: Inference): void {
    if (g.latest && sameGraph(g.latest, inf)) {
      g.candidate = undefined;
      g.streak = 0;
      return;
    }
    if (g.candidate && sameGraph(g.candidate, inf)) g.streak++;
    else {
      g.candidate = inf;
      g.streak = 1;
    }
    if (g.streak >= this.params.damping && inf.src.length > 0) {
      inf = { ...inf, src: inf.src.slice(), dst: inf.dst.slice(), weight: inf.weight.slice() };
      g.latest = inf;
      this.union = undefined;
      this.reports.push(inf);
      g.candidate = undefined;
      g.streak = 0;
      for (const l of this.listeners) l(inf);
    }
  }
}

/** Same pruned graph: the same set of kept edges. */
function sameGraph(a: Inference, b: Inference): boolean {
  return a.fingerprint === b.fingerprint;
}

/** The edge union of several groups' graphs (their VM sets are disjoint). */
function merge(infs: Inference[], names: readonly string[]): Inference {
  const cat = <T extends Int32Array | Float64Array>(make: (n: number) => T, part: (i: Inference) => T): T => {
    const out = make(infs.reduce((n, i) => n + part(i).length, 0));
    let at = 0;
    for (const i of infs) {
      out.set(part(i) as never, at);
      at += part(i).length;
    }
    return out;
  };
  const src = cat((n) => new Int32Array(n), (i) => i.src), dst = cat((n) => new Int32Array(n), (i) => i.dst);
  const vms = infs.flatMap((i) => i.vms);
  const local = new Map(vms.map((v, i) => [v, i]));
  const topology = classify(vms.length, { length: src.length, src: (k) => local.get(names[src[k]])!, dst: (k) => local.get(names[dst[k]])! });
  return {
    t: Math.max(...infs.map((i) => i.t)),
    app: infs.map((i) => i.app).join(","),
    topology,
    confidence: Math.min(...infs.map((i) => i.confidence)),
    vms,
    src,
    dst,
    weight: cat((n) => new Float64Array(n), (i) => i.weight),
    names,
    fingerprint: infs.map((i) => i.fingerprint).join("|"),
  };
}
