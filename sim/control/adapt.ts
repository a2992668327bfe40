/**
 * The VADAPT closed loop: every interval it reads VTTIF's inferred traffic and Wren's path
 * table, solves the adaptation problem, and if the predicted gain beats the threshold plus
 * the migration cost, it migrates VMs (Placement) and then installs overlay links and
 * forwarding rules for every pair's route (NetControl). Every decision is logged with its
 * predicted gain, and later with the realised change in the application's rate.
 */
import type { Rng } from "../kernel/index.js";
import type { Clock, CpuControl, NetControl, Placement } from "../ports/index.js";
import { anneal, evaluate, greedy, greedyAnneal, link, type Problem, type Solution } from "../vadapt/index.js";
import type { Vttif } from "../vttif/index.js";
import type { Wren } from "../wren/index.js";
import type { AdaptSpec } from "./adapt-schema.js";

export interface Decision {
  t: number;
  algorithm: string;
  current: number;
  proposed: number;
  gain: number;
  cost: number;
  applied: boolean;
  migrations: number;
  routes: number;
  reason: string;
  /** Application rate over the interval before and after (filled in later). */
  rateBefore: number;
  rateAfter: number;
}

export interface AdaptPorts {
  clock: Clock;
  placement: Placement;
  net: NetControl;
  cpu: CpuControl;
  vttif: Vttif;
  wren: Wren;
  rng: Rng;
  /** Host of the overlay Proxy, whose star routes are in force until the loop changes them. */
  proxy?: string;
}

export class AdaptLoop {
  readonly decisions: Decision[] = [];
  /** Routes the overlay uses now, per VM pair key "a\tb". */
  private routes = new Map<string, string[]>();
  private busy = false;
  private lastProgress = 0;
  private lastT = 0;

  constructor(private readonly ports: AdaptPorts, readonly spec: AdaptSpec) {
    ports.clock.every(spec.interval, () => this.step(), spec.firstAt);
  }

  /** Builds the problem from what VTTIF and Wren see now; undefined before VTTIF has reported. */
  problem(): Problem | undefined {
    const { vttif, wren, placement } = this.ports;
    const report = vttif.current;
    if (!report) return undefined;
    const s = this.spec;
    const vmIndex = new Map(s.vms.map((v, i) => [v, i]));
    // The Proxy is a host of the overlay graph too (its routes relay there), but holds no VMs.
    const proxy = this.ports.proxy;
    const hosts = proxy !== undefined && !s.hosts.includes(proxy) ? [...s.hosts, proxy] : s.hosts;
    const H = hosts.length;
    const demand = new Map<number, number>();
    const m = vttif.matrix;
    for (let k = 0; k < report.src.length; k++) {
      const a = vmIndex.get(report.names[report.src[k]]), b = vmIndex.get(report.names[report.dst[k]]);
      if (a === undefined || b === undefined || a === b) continue;
      const key = Math.min(a, b) * 65536 + Math.max(a, b);
      const rate = m.rate(report.src[k], report.dst[k], vttif.params.interval);
      demand.set(key, (demand.get(key) ?? 0) + rate);
    }
    // Wren's end-to-end estimate describes a host pair's overlay link only where the pair's
    // traffic went over that link directly; elsewhere the prior stands in.
    const direct = new Set<string>();
    for (const r of this.routes.values()) for (let i = 0; i + 1 < r.length; i++) if (r.length === 2) direct.add(`${r[i]}\t${r[i + 1]}`);
    const bandwidth = new Float64Array(H * H), latency = new Float64Array(H * H);
    for (let a = 0; a < H; a++) {
      for (let b = a + 1; b < H; b++) {
        const prior = s.prior === "physical" ? this.ports.net.measure(hosts[a], hosts[b]) : s.prior;
        const measured = direct.has(`${hosts[a]}\t${hosts[b]}`) || direct.has(`${hosts[b]}\t${hosts[a]}`);
        const e1 = wren.estimate(hosts[a], hosts[b]), e2 = wren.estimate(hosts[b], hosts[a]);
        const bws = measured ? [e1.bandwidth, e2.bandwidth].filter(Number.isFinite) : [];
        const lats = measured ? [e1.latency, e2.latency].filter(Number.isFinite) : [];
        bandwidth[link(a, b, H)] = bws.length ? Math.min(...bws) : prior.bandwidth;
        latency[link(a, b, H)] = lats.length ? Math.min(...lats) : prior.latency;
      }
    }
    const hostIndex = new Map(hosts.map((h, i) => [h, i]));
    const pinned = new Int32Array(s.vms.length).fill(-1);
    if (s.mode === "overlay") s.vms.forEach((v, i) => (pinned[i] = hostIndex.get(placement.where(v)) ?? -1));
    return {
      vms: s.vms,
      hosts,
      edges: [...demand].map(([key, d]) => ({ a: Math.floor(key / 65536), b: key % 65536, demand: d })),
      compute: new Float64Array(s.vms.length).fill(1),
      capacity: Float64Array.from(hosts, (h) => (s.hosts.includes(h) ? s.slots : 0)),
      bandwidth,
      latency,
      localBandwidth: s.localBandwidth,
      pinned,
      maxHops: s.maxHops,
      latencyWeight: s.latencyWeight,
    };
  }

  /** The solution the platform is running now: current placement and routes. */
  current(p: Problem): Solution {
    const hostIndex = new Map(p.hosts.map((h, i) => [h, i]));
    const host = Int32Array.from(p.vms, (v) => hostIndex.get(this.ports.placement.where(v)) ?? 0);
    const proxy = this.ports.proxy === undefined ? -1 : (hostIndex.get(this.ports.proxy) ?? -1);
    const routes = p.edges.map((e) => {
      const known = this.routes.get(`${p.vms[e.a]}\t${p.vms[e.b]}`);
      if (known) return known.map((h) => hostIndex.get(h)!);
      const a = host[e.a], b = host[e.b];
      if (a === b) return [a];
      return proxy >= 0 && proxy !== a && proxy !== b ? [a, proxy, b] : [a, b];
    });
    return { host, routes };
  }

  private solve(p: Problem, start: Solution): { solution: Solution; objective: number; feasible: boolean } {
    const s = this.spec;
    const params = { iterations: s.annealing.iterations, t0: s.annealing.t0, alpha: s.annealing.alpha, swap: 1, move: s.mode === "migrate" ? 1 : 0, reroute: 1, traceEvery: 1e9 };
    if (s.algorithm === "gh") return greedy(p);
    if (s.algorithm === "sa") return anneal(p, start, this.ports.rng, params);
    return greedyAnneal(p, this.ports.rng, params);
  }

  step(): void {
    this.logEffect();
    if (this.busy) return;
    const p = this.problem();
    if (!p || p.edges.length === 0) return;
    const now = this.current(p);
    const cur = evaluate(p, now);
    const best = this.solve(p, now);
    // Overload counts against a solution, so an infeasible network can still be improved.
    const score = (x: { objective: number; overload: number }) => x.objective - OVERLOAD_PENALTY * x.overload;
    const proposed = evaluate(p, best.solution);
    const moves = p.vms.flatMap((v, i) => (best.solution.host[i] !== now.host[i] ? [v] : []));
    const cost = (moves.reduce((b, v) => b + this.ports.placement.memory(v), 0) / 1e9) * this.spec.migrationCostPerGB;
    const gain = score(proposed) - score(cur);
    const needed = this.spec.minGain * Math.abs(score(cur)) + cost;
    const sameRoutes = p.edges.every((_, k) => best.solution.routes[k].join() === now.routes[k].join());
    let reason: string;
    let applied = false;
    if (moves.length === 0 && sameRoutes) reason = "already in place";
    else if (!(gain > needed)) reason = `gain ${fmt(gain)} <= threshold ${fmt(needed)}`;
    else {
      reason = "applied";
      applied = true;
      this.apply(p, best.solution, moves);
    }
    this.decisions.push({ t: this.ports.clock.now, algorithm: this.spec.algorithm, current: score(cur), proposed: score(proposed), gain, cost, applied, migrations: applied ? moves.length : 0, routes: applied ? p.edges.length : 0, reason, rateBefore: this.rate(), rateAfter: NaN });
  }

  private apply(p: Problem, s: Solution, moves: string[]): void {
    const install = () => {
      p.edges.forEach((e, k) => {
        const hosts = s.routes[k].map((h) => p.hosts[h]);
        const a = p.vms[e.a], b = p.vms[e.b];
        this.install(a, b, hosts);
        this.install(b, a, [...hosts].reverse());
      });
      this.busy = false;
    };
    this.busy = true;
    let left = moves.length;
    if (left === 0) return install();
    for (const v of moves) {
      this.ports.placement.migrate(v, p.hosts[s.host[p.vms.indexOf(v)]], () => {
        if (--left === 0) install();
      });
    }
  }

  private install(src: string, dst: string, hosts: string[]): void {
    // Clear the pair's old rules first: a stale rule could send it around in a loop.
    const old = this.routes.get(`${src}\t${dst}`);
    if (old) for (const h of old) this.ports.net.setRule(h, src, dst, undefined);
    this.routes.set(`${src}\t${dst}`, hosts);
    for (let i = 0; i + 1 < hosts.length; i++) {
      this.ports.net.addOverlayLink(hosts[i], hosts[i + 1]);
      this.ports.net.setRule(hosts[i], src, dst, hosts[i + 1]);
    }
  }

  /** The application's progress rate since the last step. */
  private rate(): number {
    const app = this.spec.app;
    if (!app) return NaN;
    const now = this.ports.clock.now;
    const progress = this.ports.cpu.progress(app) ?? 0;
    const r = now > this.lastT ? (progress - this.lastProgress) / (now - this.lastT) : NaN;
    this.lastProgress = progress;
    this.lastT = now;
    return r;
  }

  private logEffect(): void {
    const last = this.decisions[this.decisions.length - 1];
    if (last && Number.isNaN(last.rateAfter) && this.spec.app) {
      const now = this.ports.clock.now;
      const progress = this.ports.cpu.progress(this.spec.app) ?? 0;
      last.rateAfter = now > this.lastT ? (progress - this.lastProgress) / (now - this.lastT) : NaN;
    }
  }
}

/** Objective units per byte/s of overload, when comparing infeasible solutions. */
const OVERLOAD_PENALTY = 10;

function fmt(x: number): string {
  return x.toPrecision(3);
}
