/**
 * The VADAPT closed loop: every interval it reads VTTIF's traffic matrix and Wren's path
 * table, solves the adaptation problem, and if the predicted gain, discounted for the time
 * migrations take, beats the threshold plus the migration cost, it migrates VMs (Placement)
 * and then installs overlay links and forwarding rules for every pair's route (NetControl).
 * The current layout and every candidate are scored on one bandwidth table. Every decision
 * is logged with its predicted gain, and later with the realised change in the app's rate.
 */
import type { Rng } from "../kernel/index.js";
import type { BackgroundSensor, Clock, CpuControl, NetControl, Placement } from "../ports/index.js";
import { anneal, evaluate, greedy, greedyAnneal, link, type CpuTerm, type Problem, type Solution } from "../vadapt/index.js";
import type { Vttif } from "../vttif/index.js";
import type { Wren } from "../wren/index.js";
import { HostLoadForecaster, makePredictor, PathForecaster } from "../predict/index.js";
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
  /** Predicted seconds the application has left, and the migrations would take. */
  remaining: number;
  migrationTime: number;
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
  /** Progress units (`cpu.progress(app)`) at which the application is done, where known. */
  work?: number;
  /** Hosts' background load, for the compute term (`availability` in the spec). */
  load?: BackgroundSensor;
}

/** One migration the loop started. */
export interface MigrationLog {
  vm: string;
  from: string;
  to: string;
  start: number;
  end: number;
  bytes: number;
  /** Why it did not move the VM (live: QEMU failed, or the guest did not run on). */
  failed?: string;
}

export class AdaptLoop {
  readonly decisions: Decision[] = [];
  readonly migrations: MigrationLog[] = [];
  /** Routes the overlay uses now, per VM pair key "a\tb". */
  private routes = new Map<string, string[]>();
  private busy = false;
  private quietUntil = -Infinity;
  /** Each VM's last migration: it may not go straight back. */
  private lastMove = new Map<string, { from: string; to: string }>();
  private lastProgress = 0;
  private lastT = 0;
  private firstProgressT = NaN;
  /** Progress at the previous step, for the predicted end. */
  private prev = { t: 0, progress: 0 };
  private recentRate = 0;

  /** Bandwidth forecasts per host pair, where the scenario asks for prediction. */
  private readonly forecaster: PathForecaster | undefined;
  /** Background load forecasts per host, where the spec asks for predicted availability. */
  private readonly loadForecaster: HostLoadForecaster | undefined;

  constructor(private readonly ports: AdaptPorts, readonly spec: AdaptSpec) {
    const f = spec.predict;
    const make = f ? () => makePredictor(f, Math.max(30, Math.ceil(f.horizon / f.interval)), Math.max(1, Math.round(f.horizon / f.interval))) : undefined;
    if (f) this.forecaster = new PathForecaster(ports.clock, ports.wren, make!, f.interval, f.minSamples);
    if (spec.availability && !ports.load) throw new Error("policies.adapt.availability needs a host load sensor, which this mode does not provide");
    // The hosts the loop may use, and any other a VM is on when sampled.
    const hosts = () => [...new Set([...spec.hosts, ...spec.vms.map((v) => ports.placement.where(v))])];
    if (f && spec.availability?.predicted) this.loadForecaster = new HostLoadForecaster(ports.clock, ports.load!, hosts, spec.vms, make!, f.interval, f.minSamples);
    ports.clock.every(spec.interval, () => this.step(), spec.firstAt);
  }

  /**
   * Builds the problem from VTTIF's smoothed traffic matrix (whatever class, if any, VTTIF
   * gave it) and the bandwidth table; undefined until the matrix spans a full window.
   */
  problem(): Problem | undefined {
    const { vttif, placement } = this.ports;
    if (this.ports.clock.now < vttif.params.window * vttif.params.interval) return undefined;
    const s = this.spec;
    // The Proxy is a host of the overlay graph too (its routes relay there), and so is any host
    // outside `hosts` a VM is on now: such hosts keep what they hold but take no new VMs.
    const hostOf = s.vms.map((v) => placement.where(v));
    const proxy = this.ports.proxy;
    const hosts = [...s.hosts];
    for (const h of [...(proxy === undefined ? [] : [proxy]), ...hostOf]) if (!hosts.includes(h)) hosts.push(h);
    const H = hosts.length;
    const edges = this.traffic();
    const inUse = edges.map((e) => this.routeInUse(s.vms[e.a], s.vms[e.b], hostOf[e.a], hostOf[e.b], hosts));
    const { bandwidth, latency } = this.table(hosts, inUse);
    const hostIndex = new Map(hosts.map((h, i) => [h, i]));
    const pinned = new Int32Array(s.vms.length).fill(-1);
    if (s.mode === "overlay") s.vms.forEach((v, i) => (pinned[i] = hostIndex.get(placement.where(v)) ?? -1));
    let access: Float64Array | undefined;
    if (s.accessLinks && this.ports.net.access) {
      const caps = hosts.map((h) => this.ports.net.access!(h, hosts) ?? Infinity);
      if (caps.some(Number.isFinite)) access = Float64Array.from(caps);
    }
    return {
      vms: s.vms,
      hosts,
      edges,
      compute: new Float64Array(s.vms.length).fill(1),
      capacity: Float64Array.from(hosts, (h) => (s.hosts.includes(h) ? s.slots : hostOf.filter((x) => x === h).length)),
      bandwidth,
      latency,
      localBandwidth: s.localBandwidth,
      pinned,
      maxHops: Math.min(s.maxHops, H - 1),
      latencyWeight: s.latencyWeight,
      access,
      ...(s.availability ? { cpu: this.cpu(hosts, s.availability.weight) } : {}),
    };
  }

  /**
   * The compute term: each host's cores and background load, the forecast mean over the
   * horizon where predicted (and the host has enough samples), else the load read now.
   */
  private cpu(hosts: readonly string[], weight: number): CpuTerm {
    const load = this.ports.load!, vms = this.spec.vms;
    const background = Float64Array.from(hosts, (h) => this.loadForecaster?.forecast(h, this.spec.predict!.horizon) ?? load.background(h, vms));
    return { cores: Float64Array.from(hosts, (h) => load.cores(h)), background, weight };
  }

  /**
   * The VM traffic graph: each pair's rate over VTTIF's window, both directions together;
   * pairs below VTTIF's `threshold` of the largest pair among the loop's VMs are dropped.
   */
  private traffic(): { a: number; b: number; demand: number }[] {
    const { vttif } = this.ports;
    const m = vttif.matrix, vms = this.spec.vms;
    const index = vms.map((v) => m.names.indexOf(v));
    const edges: { a: number; b: number; demand: number }[] = [];
    for (let a = 0; a < vms.length; a++) {
      for (let b = a + 1; b < vms.length; b++) {
        if (index[a] < 0 || index[b] < 0) continue;
        const d = m.rate(index[a], index[b], vttif.params.interval) + m.rate(index[b], index[a], vttif.params.interval);
        if (d > 0) edges.push({ a, b, demand: d });
      }
    }
    const top = Math.max(0, ...edges.map((e) => e.demand));
    return edges.filter((e) => e.demand >= vttif.params.threshold * top);
  }

  /**
   * One bandwidth table for every layout: Wren's estimate where the host pair's traffic runs
   * over a direct overlay link; elsewhere the prior, scaled by how measurements compare with
   * the prior (the median ratio over measured pairs whose prior is the same, e.g. every pair
   * across one WAN, else over all measured pairs, else 1). Latency: measured, else the prior.
   */
  private table(hosts: readonly string[], inUse: readonly string[][]): { bandwidth: Float64Array; latency: Float64Array } {
    const { net } = this.ports;
    const s = this.spec, H = hosts.length;
    const direct = new Set<string>();
    for (const r of inUse) if (r.length === 2) direct.add(`${r[0]}\t${r[1]}`).add(`${r[1]}\t${r[0]}`);
    const prior: { bandwidth: number; latency: number }[] = [];
    const measured: { bandwidth: number; latency: number }[] = [];
    for (let a = 0; a < H; a++) {
      for (let b = a + 1; b < H; b++) {
        const l = link(a, b, H);
        prior[l] = s.prior === "physical" ? net.measure(hosts[a], hosts[b]) : s.prior;
        measured[l] = { bandwidth: NaN, latency: NaN };
        if (!direct.has(`${hosts[a]}\t${hosts[b]}`)) continue;
        const e1 = this.estimate(hosts[a], hosts[b]), e2 = this.estimate(hosts[b], hosts[a]);
        const bws = [e1.bandwidth, e2.bandwidth].filter(Number.isFinite), lats = [e1.latency, e2.latency].filter(Number.isFinite);
        if (bws.length) measured[l].bandwidth = Math.min(...bws);
        if (lats.length) measured[l].latency = Math.min(...lats);
      }
    }
    const ratios = new Map<number, number[]>(), all: number[] = [];
    for (const l of measured.keys()) {
      if (measured[l] === undefined || !Number.isFinite(measured[l].bandwidth)) continue;
      const r = measured[l].bandwidth / prior[l].bandwidth;
      all.push(r);
      ratios.set(prior[l].bandwidth, [...(ratios.get(prior[l].bandwidth) ?? []), r]);
    }
    const bandwidth = new Float64Array(H * H), latency = new Float64Array(H * H);
    for (const l of measured.keys()) {
      if (measured[l] === undefined) continue;
      const m = measured[l], p = prior[l];
      const ratio = median(ratios.get(p.bandwidth) ?? all) ?? 1;
      bandwidth[l] = Number.isFinite(m.bandwidth) ? m.bandwidth : p.bandwidth * ratio;
      latency[l] = Number.isFinite(m.latency) ? m.latency : p.latency;
    }
    return { bandwidth, latency };
  }

  /** Wren's estimate for a host pair, its bandwidth replaced by the forecast where there is one. */
  private estimate(src: string, dst: string): { bandwidth: number; latency: number } {
    const e = this.ports.wren.estimate(src, dst);
    const f = this.forecaster?.forecast(src, dst, this.spec.predict!.horizon);
    return f === undefined ? e : { bandwidth: f, latency: e.latency };
  }

  /** The solution the platform is running now: current placement and routes. */
  current(p: Problem): Solution {
    const hostIndex = new Map(p.hosts.map((h, i) => [h, i]));
    const where = p.vms.map((v) => this.ports.placement.where(v));
    const host = Int32Array.from(where, (h) => hostIndex.get(h) ?? 0);
    const routes = p.edges.map((e) => this.routeInUse(p.vms[e.a], p.vms[e.b], where[e.a], where[e.b], p.hosts).map((h) => hostIndex.get(h)!));
    return { host, routes };
  }

  /**
   * The route a pair's traffic takes now: the one the loop installed, if it still runs between
   * the VMs' hosts over `hosts`; otherwise the default (via the Proxy if any, else direct).
   */
  private routeInUse(a: string, b: string, ha: string, hb: string, hosts: readonly string[]): string[] {
    if (ha === hb) return [ha];
    const known = this.routes.get(`${a}\t${b}`);
    if (known && known[0] === ha && known[known.length - 1] === hb && known.every((h) => hosts.includes(h))) return known;
    const proxy = this.ports.proxy;
    return proxy !== undefined && proxy !== ha && proxy !== hb ? [ha, proxy, hb] : [ha, hb];
  }

  private solve(p: Problem, start: Solution): { solution: Solution; objective: number; feasible: boolean } {
    const s = this.spec;
    const params = { iterations: s.annealing.iterations, t0: s.annealing.t0, alpha: s.annealing.alpha, swap: 1, move: s.mode === "migrate" ? 1 : 0, reroute: 1, traceEvery: 1e9 };
    // The current placement is always a candidate, so an equally good layout is not left.
    const seeds = [start.host];
    if (s.algorithm === "gh") return greedy(p, undefined, seeds);
    if (s.algorithm === "sa") return anneal(p, start, this.ports.rng, params);
    return greedyAnneal(p, this.ports.rng, params, undefined, seeds);
  }

  /**
   * Solves, then keeps every VM that the answer would send straight back to the host it last
   * left where it is, and solves again, until no such move remains. An answer that would
   * bring back a placement the loop has left before keeps every VM where it is (routes only).
   */
  private solveWithoutReturns(p: Problem, now: Solution): Solution {
    for (;;) {
      const best = this.solve(p, now).solution;
      let returns = 0;
      p.vms.forEach((v, i) => {
        const last = this.lastMove.get(v);
        if (best.host[i] !== now.host[i] && last && p.hosts[now.host[i]] === last.to && p.hosts[best.host[i]] === last.from) {
          p.pinned[i] = now.host[i];
          returns++;
        }
      });
      if (returns > 0) continue;
      if (!this.left.has(this.placementKey(p, best.host))) return best;
      p.pinned.set(now.host);
      return this.solve(p, now).solution;
    }
  }

  /** The VMs the last decisions proposed to move (wherever to), and how many in a row did. */
  private proposal = { key: "", count: 0 };

  /**
   * Counts a worthwhile proposal to move these VMs; true once `confirm` decisions in a row have
   * made it. Their destinations may differ: hosts that are equally good swap places on noise.
   */
  private confirmed(key: string): boolean {
    const k = this.spec.confirm ?? 1;
    if (k <= 1) return true;
    this.proposal = key === this.proposal.key ? { key, count: this.proposal.count + 1 } : { key, count: 1 };
    return this.proposal.count >= k;
  }

  /** Placements the loop has migrated away from. */
  private left = new Set<string>();

  private placementKey(p: Problem, host: Int32Array): string {
    return Array.from(host, (h, i) => `${p.vms[i]}@${p.hosts[h]}`).join(" ");
  }

  step(): void {
    this.logEffect();
    const t = this.ports.clock.now;
    this.sample(t);
    if (this.finished() || this.busy || t < this.quietUntil) return;
    const p = this.problem();
    if (!p || p.edges.length === 0) return;
    const now = this.current(p);
    const cur = evaluate(p, now);
    const best = this.solveWithoutReturns(p, now);
    // Overload counts against a solution, so an infeasible network can still be improved.
    const score = (x: { objective: number; overload: number }) => x.objective - OVERLOAD_PENALTY * x.overload;
    const proposed = evaluate(p, best);
    const moves = p.vms.flatMap((v, i) => (best.host[i] !== now.host[i] ? [v] : []));
    const memory = moves.reduce((b, v) => b + this.ports.placement.memory(v), 0);
    const cost = (memory / 1e9) * this.spec.migrationCostPerGB;
    // Migrations share their paths with each other and the application: as if one by one,
    // each at its physical path's capacity.
    const migrationTime = moves.reduce((sum, v) => {
      const i = p.vms.indexOf(v);
      return sum + this.ports.placement.memory(v) / this.ports.net.measure(p.hosts[now.host[i]], p.hosts[best.host[i]]).bandwidth;
    }, 0);
    const remaining = this.remaining();
    const stall = migrationTime + moves.length * this.spec.downtime;
    // The gain holds only for the part of the run left once the migrations are done.
    const gain = (score(proposed) - score(cur)) * (Number.isFinite(remaining) && moves.length > 0 ? Math.max(0, remaining - stall) / remaining : 1);
    const needed = this.spec.minGain * Math.abs(score(cur)) + cost;
    const sameRoutes = p.edges.every((_, k) => best.routes[k].join() === now.routes[k].join());
    let reason: string;
    let applied = false, waiting = false;
    if (moves.length === 0 && sameRoutes) reason = "already in place";
    else if (moves.length > 0 && !(stall < remaining)) reason = `migrations (${fmt(stall)} s) would not finish before the application (${fmt(remaining)} s)`;
    else if (!(gain > needed)) reason = `gain ${fmt(gain)} <= threshold ${fmt(needed)}`;
    else if (moves.length > 0 && (waiting = !this.confirmed([...moves].sort().join(" ")))) reason = `moving ${moves.join(", ")} proposed ${this.proposal.count} of ${this.spec.confirm} times in a row`;
    else {
      reason = "applied";
      applied = true;
      this.apply(p, best, moves);
    }
    // A proposal counts only while every decision makes it.
    if (!waiting) this.proposal = { key: "", count: 0 };
    this.decisions.push({ t, algorithm: this.spec.algorithm, current: score(cur), proposed: score(proposed), gain, cost, applied, migrations: applied ? moves.length : 0, routes: applied ? p.edges.length : 0, reason, remaining, migrationTime, rateBefore: this.rate(), rateAfter: NaN });
  }

  /** Whether the application is known to be done (no more decisions then). */
  private finished(): boolean {
    const { app } = this.spec, work = this.ports.work;
    return app !== undefined && work !== undefined && (this.ports.cpu.progress(app) ?? 0) >= work;
  }

  /**
   * Predicted seconds until the application is done: work left over its rate across the last
   * interval (over its whole run so far if that was 0); Infinity when unknown.
   */
  private remaining(): number {
    const { app } = this.spec, work = this.ports.work;
    if (app === undefined || work === undefined) return Infinity;
    const t = this.ports.clock.now, done = this.ports.cpu.progress(app) ?? 0;
    const overall = done > 0 && t > this.firstProgressT ? done / (t - this.firstProgressT) : 0;
    const rate = this.recentRate > 0 ? this.recentRate : overall;
    return rate > 0 ? (work - done) / rate : Infinity;
  }

  /** Records the application's progress at every step (decision or not). */
  private sample(t: number): void {
    const app = this.spec.app;
    if (!app) return;
    const progress = this.ports.cpu.progress(app) ?? 0;
    if (progress > 0 && Number.isNaN(this.firstProgressT)) this.firstProgressT = this.prev.t;
    this.recentRate = t > this.prev.t ? (progress - this.prev.progress) / (t - this.prev.t) : 0;
    this.prev = { t, progress };
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
      this.quietUntil = this.ports.clock.now + this.spec.cooldown;
    };
    this.busy = true;
    let left = moves.length, failed = 0;
    if (left === 0) return install();
    const leaving = this.placementKey(p, this.current(p).host);
    this.left.add(leaving);
    // A migration that did not happen leaves the solution's routes wrong for where the VMs
    // are: install nothing, cool down, and decide again from the placement as it is.
    const abandon = () => {
      if (failed === moves.length) this.left.delete(leaving);
      this.busy = false;
      this.quietUntil = this.ports.clock.now + this.spec.cooldown;
    };
    for (const v of moves) {
      const from = this.ports.placement.where(v), to = p.hosts[s.host[p.vms.indexOf(v)]];
      const log: MigrationLog = { vm: v, from, to, start: this.ports.clock.now, end: NaN, bytes: NaN };
      this.migrations.push(log);
      this.lastMove.set(v, { from, to });
      this.ports.placement.migrate(v, to, (n) => {
        log.end = this.ports.clock.now;
        log.bytes = n.bytes;
        if (n.failed !== undefined) {
          log.failed = n.failed;
          this.lastMove.delete(v);
          failed++;
        }
        if (--left === 0) (failed ? abandon : install)();
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

  /** Figures of merit: decisions, migrations, bytes they moved, seconds any was in flight. */
  metrics(): Record<string, number> {
    const applied = this.decisions.filter((d) => d.applied);
    const done = this.migrations.filter((m) => Number.isFinite(m.end) && m.failed === undefined);
    const spans = this.migrations.map((m) => [m.start, Number.isFinite(m.end) ? m.end : this.ports.clock.now]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let inFlight = 0, until = -Infinity;
    for (const [a, b] of spans) {
      if (b > until) inFlight += b - Math.max(a, until);
      until = Math.max(until, b);
    }
    return {
      decisions: this.decisions.length,
      applied: applied.length,
      migrations: this.migrations.length,
      migrations_done: done.length,
      bytes_moved: done.reduce((n, m) => n + m.bytes, 0),
      migration_s: inFlight,
      last_migration_start_s: this.migrations.length ? this.migrations[this.migrations.length - 1].start : NaN,
      first_applied_s: applied[0]?.t ?? NaN,
    };
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
    const app = this.spec.app;
    const progress = app ? (this.ports.cpu.progress(app) ?? 0) : 0;
    const last = this.decisions[this.decisions.length - 1];
    if (last && Number.isNaN(last.rateAfter) && app) {
      const now = this.ports.clock.now;
      last.rateAfter = now > this.lastT ? (progress - this.lastProgress) / (now - this.lastT) : NaN;
    }
  }
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Objective units per byte/s of overload, when comparing infeasible solutions. */
const OVERLOAD_PENALTY = 10;

function fmt(x: number): string {
  return x.toPrecision(3);
}
