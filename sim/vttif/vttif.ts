/**
 * VTTIF: infers the application's communication topology from the traffic the overlay
 * daemons see. Every update interval each daemon sends its local rows to the aggregator (a
 * real message, so inference costs traffic); the aggregator smooths the global matrix over a
 * window, normalises it by its largest entry, prunes small entries and classifies the rest.
 * A new topology is reported only once it has persisted for `damping` updates.
 */
import { mix32 as mix } from "../kernel/hash.js";
import type { Clock, Messenger, TrafficSample, TrafficTap } from "../ports/index.js";
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
}

export interface Inference {
  t: number;
  topology: Topology;
  /** How cleanly the threshold separates kept from pruned entries: 1 clean, 0 none. */
  confidence: number;
  /** VMs that communicate. */
  vms: string[];
  /** Kept edges: indices into `names`, and weights normalised by the largest entry. */
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

export class Vttif {
  readonly matrix: TrafficMatrix;
  /** Reported topologies, in time order. */
  readonly reports: Inference[] = [];
  private candidate: Inference | undefined;
  private streak = 0;
  private listeners: ((r: Inference) => void)[] = [];
  controlBytes = 0;
  private keptSrc = new Int32Array(0);
  private keptDst = new Int32Array(0);
  private keptWeight = new Float64Array(0);

  constructor(private readonly clock: Clock, private readonly tap: TrafficTap, private readonly messenger: Messenger, readonly params: VttifParams) {
    this.matrix = new TrafficMatrix(params.window);
    clock.every(params.interval, () => this.collect());
  }

  onReport(fn: (r: Inference) => void): void {
    this.listeners.push(fn);
  }

  /** The most recent report, if any. */
  get current(): Inference | undefined {
    return this.reports[this.reports.length - 1];
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

  /** One inference step on a new interval's samples. */
  update(samples: readonly TrafficSample[]): Inference {
    this.matrix.push(samples);
    const inf = this.infer();
    this.damp(inf);
    return inf;
  }

  /** Normalise, prune and classify the smoothed matrix. */
  infer(): Inference {
    const m = this.matrix, n = m.size, sum = m.sum, stride = m.stride;
    let max = 0;
    for (let a = 0; a < n; a++) {
      const row = a * stride;
      for (let b = 0; b < n; b++) if (a !== b && sum[row + b] > max) max = sum[row + b];
    }
    const cut = max * this.params.threshold;
    // One pass keeps the edges, into buffers reused across updates.
    if (this.keptSrc.length < n * n) {
      this.keptSrc = new Int32Array(n * n);
      this.keptDst = new Int32Array(n * n);
      this.keptWeight = new Float64Array(n * n);
    }
    const ks = this.keptSrc, kd = this.keptDst, kw = this.keptWeight;
    const local = new Int32Array(n).fill(-1);
    const vms: string[] = [];
    let kept = 0, minKept = Infinity, maxDropped = 0, h1 = 0, h2 = 0;
    for (let a = 0; a < n; a++) {
      const row = a * stride;
      for (let b = 0; b < n; b++) {
        const v = sum[row + b];
        if (a === b || v <= 0) continue;
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

  private damp(inf: Inference): void {
    const last = this.current;
    if (last && sameGraph(last, inf)) {
      this.candidate = undefined;
      this.streak = 0;
      return;
    }
    if (this.candidate && sameGraph(this.candidate, inf)) this.streak++;
    else {
      this.candidate = inf;
      this.streak = 1;
    }
    if (this.streak >= this.params.damping && inf.topology !== "unknown") {
      inf = { ...inf, src: inf.src.slice(), dst: inf.dst.slice(), weight: inf.weight.slice() };
      this.reports.push(inf);
      this.candidate = undefined;
      this.streak = 0;
      for (const l of this.listeners) l(inf);
    }
  }
}

/** Same pruned graph: the same set of kept edges. */
function sameGraph(a: Inference, b: Inference): boolean {
  return a.fingerprint === b.fingerprint;
}

