/**
 * Wren: free network measurement from the application's own traffic. A transfer large enough
 * to fill the path is a bandwidth sample (bytes over its transmission time: self-induced
 * congestion, seen passively); a small one is a latency sample. Transfers between the same
 * two hosts that overlap in time share the path, so together they are one sample: their
 * bytes over the span from the first start to the last end, less the latency. Per host pair
 * the estimate is the median of recent bandwidth samples and the median of recent latency
 * samples (the minimum of noisy samples sits below the truth: 7% for 9 samples at 5% noise),
 * a latency sample being a small transfer's duration less its own transmission time;
 * pairs that carry no traffic have no estimate, and samples age out.
 */
import type { Rng } from "../kernel/index.js";
import type { Clock, TransferObservation, TransferSource } from "../ports/index.js";

export interface WrenParams {
  minBytes: number;
  smallBytes: number;
  noise: number;
  window: number;
  maxAge: number;
}

export interface PathEstimate {
  src: string;
  dst: string;
  /** Bytes per second, NaN with no bandwidth samples. */
  bandwidth: number;
  /** One-way seconds, NaN with no latency samples. */
  latency: number;
  samples: number;
  /** Seconds since the newest sample. */
  age: number;
}

interface Sample {
  t: number;
  v: number;
}

/** Overlapping large transfers on one host pair, measured as one sample. */
interface Burst {
  start: number;
  end: number;
  bytes: number;
  /** The one noise factor of this sample. */
  noise: number;
  sample: Sample;
}

class Path {
  bw: Sample[] = [];
  lat: Sample[] = [];
  burst: Burst | undefined;
}

export class Wren {
  private paths = new Map<string, Path>();
  observed = 0;

  constructor(private readonly clock: Clock, source: TransferSource, private readonly rng: Rng, readonly params: WrenParams) {
    source.observe((o) => this.observe(o));
  }

  observe(o: TransferObservation): void {
    if (o.srcHost === o.dstHost) return;
    this.observed++;
    const p = this.path(o.srcHost, o.dstHost);
    const duration = o.end - o.start;
    const noise = () => Math.max(0.01, 1 + this.params.noise * this.rng.normal());
    if (o.bytes <= this.params.smallBytes) {
      // Less its own transmission time at the path's bandwidth, where Wren has measured it.
      const bw = median(this.fresh(p.bw).map((x) => x.v));
      const lat = duration - (Number.isFinite(bw) ? o.bytes / bw : 0);
      if (lat > 0) push(p.lat, { t: o.end, v: lat * noise() }, this.params.window);
    }
    if (o.bytes >= this.params.minBytes) {
      let b = p.burst;
      // Started before the last one ended: it shared the path with it.
      if (b && o.start < b.end && p.bw[p.bw.length - 1] === b.sample) {
        b.start = Math.min(b.start, o.start);
        b.end = Math.max(b.end, o.end);
        b.bytes += o.bytes;
      } else b = p.burst = { start: o.start, end: o.end, bytes: o.bytes, noise: noise(), sample: { t: o.end, v: NaN } };
      // Transmission time: the span less the path latency as Wren itself has measured it.
      const lat = median(this.fresh(p.lat).map((x) => x.v));
      const tx = b.end - b.start - (Number.isFinite(lat) ? lat : 0);
      if (!(tx > 0)) return;
      b.sample.t = b.end;
      b.sample.v = (b.bytes / tx) * b.noise;
      if (p.bw[p.bw.length - 1] !== b.sample) push(p.bw, b.sample, this.params.window);
    }
  }

  /** The current estimate for a host pair; `samples` is 0 where nothing was measured. */
  estimate(src: string, dst: string): PathEstimate {
    const p = this.paths.get(`${src}\t${dst}`);
    const bw = p ? this.fresh(p.bw) : [], lat = p ? this.fresh(p.lat) : [];
    const newest = Math.max(-Infinity, ...bw.map((s) => s.t), ...lat.map((s) => s.t));
    return { src, dst, bandwidth: median(bw.map((s) => s.v)), latency: median(lat.map((s) => s.v)), samples: bw.length + lat.length, age: this.clock.now - newest };
  }

  /** Estimates for every pair that has carried traffic, in a stable order. */
  table(): PathEstimate[] {
    return [...this.paths.keys()].sort().map((k) => {
      const [src, dst] = k.split("\t");
      return this.estimate(src, dst);
    }).filter((e) => e.samples > 0);
  }

  private path(src: string, dst: string): Path {
    const key = `${src}\t${dst}`;
    let p = this.paths.get(key);
    if (!p) this.paths.set(key, (p = new Path()));
    return p;
  }

  private fresh(s: Sample[]): Sample[] {
    const since = this.clock.now - this.params.maxAge;
    return s.filter((x) => x.t >= since);
  }
}

function push(list: Sample[], s: Sample, window: number): void {
  list.push(s);
  if (list.length > window) list.shift();
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
