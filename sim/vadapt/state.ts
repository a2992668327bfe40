/**
 * A solution being edited, scored incrementally: link loads, host usage and each VM edge's
 * contribution are kept up to date, so a move re-scores only the edges whose links it touched.
 */
import { capacities, cpuTerm, link, resources, routeLatency, type Problem, type Solution } from "./problem.js";

/** Weight of overload in the penalised score annealing climbs. */
const PENALTY = 1e3;

export class State {
  readonly host: Int32Array;
  readonly routes: number[][];
  private load: Float64Array;
  private cap: Float64Array;
  private used: Float64Array;
  private contrib: Float64Array;
  private linkEdges: Set<number>[];
  readonly incident: number[][];
  total = 0;
  linkOver = 0;
  hostOver = 0;
  private touched = new Set<number>();
  /** The compute term's part of `total`, and whether a VM moved since it was taken. */
  private cpuPart = 0;
  private cpuStale = true;

  constructor(readonly p: Problem, s: Solution) {
    const H = p.hosts.length;
    this.host = s.host.slice();
    this.routes = s.routes.map((r) => r.slice());
    this.cap = capacities(p);
    this.load = new Float64Array(this.cap.length);
    this.used = new Float64Array(H);
    this.contrib = new Float64Array(p.edges.length);
    this.linkEdges = Array.from({ length: this.cap.length }, () => new Set<number>());
    this.incident = p.vms.map(() => []);
    p.edges.forEach((e, k) => {
      this.incident[e.a].push(k);
      this.incident[e.b].push(k);
    });
    this.host.forEach((h, v) => this.addUse(h, p.compute[v]));
    this.routes.forEach((r, k) => this.addRoute(k, r, 1));
    this.rescore();
  }

  get feasible(): boolean {
    return this.linkOver <= 1e-9 && this.hostOver <= 1e-9;
  }

  /** The objective, less a penalty for overload (what annealing climbs). */
  get score(): number {
    return this.total - PENALTY * (this.linkOver + this.hostOver * 1e9);
  }

  solution(): Solution {
    return { host: this.host.slice(), routes: this.routes.map((r) => r.slice()) };
  }

  /** What a new hop a-b could carry: its overlay link's and both access links' residuals. */
  residual(a: number, b: number): number {
    const H = this.p.hosts.length, l = link(a, b, H);
    const r = this.cap[l] - this.load[l];
    if (!this.p.access) return r;
    return Math.min(r, this.cap[H * H + a] - this.load[H * H + a], this.cap[H * H + b] - this.load[H * H + b]);
  }

  /** Moves VM v to host h (routes of its edges are left to the caller). */
  setHost(v: number, h: number): void {
    this.cpuStale = true;
    this.addUse(this.host[v], -this.p.compute[v]);
    this.host[v] = h;
    this.addUse(h, this.p.compute[v]);
  }

  setRoute(k: number, r: number[]): void {
    this.addRoute(k, this.routes[k], -1);
    this.routes[k] = r;
    this.addRoute(k, r, 1);
  }

  /** Re-scores the edges on links touched since the last call. */
  rescore(): void {
    const edges = this.scratch;
    edges.clear();
    for (const l of this.touched) for (const k of this.linkEdges[l]) edges.add(k);
    this.touched.clear();
    for (const k of this.pending) edges.add(k);
    this.pending.clear();
    for (const k of edges) {
      const e = this.p.edges[k], r = this.routes[k];
      let c: number;
      if (r.length === 1) c = this.p.localBandwidth - e.demand;
      else {
        let bottleneck = Infinity;
        for (const x of resources(this.p, r)) bottleneck = Math.min(bottleneck, this.cap[x] - this.load[x]);
        c = bottleneck - this.p.latencyWeight * routeLatency(this.p, r);
      }
      this.total += c - this.contrib[k];
      this.contrib[k] = c;
    }
    if (this.p.cpu && this.cpuStale) {
      // The mapping's term, from the hosts afresh (the slowest VM can be anywhere).
      const c = cpuTerm(this.p, this.host);
      this.total += c - this.cpuPart;
      this.cpuPart = c;
    }
    this.cpuStale = false;
  }

  private pending = new Set<number>();
  /** Reused by rescore(), which runs once per annealing move. */
  private scratch = new Set<number>();

  private addRoute(k: number, r: number[], sign: number): void {
    const d = this.p.edges[k].demand;
    this.pending.add(k);
    for (const l of resources(this.p, r)) {
      const before = Math.max(0, this.load[l] - this.cap[l]);
      this.load[l] += sign * d;
      if (Math.abs(this.load[l]) < 1e-6) this.load[l] = 0;
      this.linkOver += Math.max(0, this.load[l] - this.cap[l]) - before;
      if (sign > 0) this.linkEdges[l].add(k);
      else this.linkEdges[l].delete(k);
      this.touched.add(l);
    }
  }

  private addUse(h: number, c: number): void {
    const before = Math.max(0, this.used[h] - this.p.capacity[h]);
    this.used[h] += c;
    this.hostOver += Math.max(0, this.used[h] - this.p.capacity[h]) - before;
  }

  /** Free compute on host h. */
  free(h: number): number {
    return this.p.capacity[h] - this.used[h];
  }
}
