/**
 * VADAPT's algorithms: the greedy heuristic (GH), simulated annealing (SA), GH+SA, and an
 * exhaustive search that is exact for small instances. Each returns its best solution, the
 * objective, and the objective's trace over (wall or step) time.
 */
import type { Rng } from "../kernel/index.js";
import { evaluate, link, type Problem, type Result, type Solution } from "./problem.js";
import { State } from "./state.js";
import { widestPathHops } from "./widest.js";

export type Now = () => number;

/** Routes every edge in decreasing demand over the widest path on residual capacity. */
export function routeAll(p: Problem, host: Int32Array): number[][] {
  const H = p.hosts.length;
  const load = new Float64Array(H * H);
  const routes: number[][] = new Array(p.edges.length);
  const order = p.edges.map((_, k) => k).sort((x, y) => p.edges[y].demand - p.edges[x].demand || x - y);
  for (const k of order) {
    const e = p.edges[k];
    const a = host[e.a], b = host[e.b];
    const r = a === b ? [a] : widestPathHops(H, (u, v) => p.bandwidth[link(u, v, H)] - load[link(u, v, H)], a, b, p.maxHops).path;
    routes[k] = r;
    for (let i = 0; i + 1 < r.length; i++) load[link(r[i], r[i + 1], H)] += e.demand;
  }
  return routes;
}

/**
 * GH: heaviest VM pairs first onto the best free host pairs; a VM whose partner is placed goes
 * to the free host best connected to it; the rest to any free host. Then widest-path routing.
 */
export function greedy(p: Problem, now: Now = stepClock()): Result {
  const H = p.hosts.length, V = p.vms.length;
  const host = p.pinned.slice();
  const free = p.capacity.slice();
  host.forEach((h, v) => h >= 0 && (free[h] -= p.compute[v]));
  const fits = (h: number, v: number) => free[h] >= p.compute[v] - 1e-12;
  const place = (v: number, h: number) => {
    host[v] = h;
    free[h] -= p.compute[v];
  };
  const pairs: [number, number][] = [];
  for (let a = 0; a < H; a++) for (let b = a + 1; b < H; b++) pairs.push([a, b]);
  pairs.sort((x, y) => p.bandwidth[link(y[0], y[1], H)] - p.bandwidth[link(x[0], x[1], H)] || x[0] - y[0] || x[1] - y[1]);
  const edges = p.edges.map((_, k) => k).sort((x, y) => p.edges[y].demand - p.edges[x].demand || x - y);
  for (const k of edges) {
    const { a, b } = p.edges[k];
    if (host[a] < 0 && host[b] < 0) {
      const hp = pairs.find(([x, y]) => (fits(x, a) && fits(y, b)) || (fits(y, a) && fits(x, b)));
      if (hp) {
        const [x, y] = fits(hp[0], a) && fits(hp[1], b) ? hp : [hp[1], hp[0]];
        place(a, x);
        place(b, y);
      }
    } else if (host[a] < 0 || host[b] < 0) {
      const [v, partner] = host[a] < 0 ? [a, host[b]] : [b, host[a]];
      let best = -1;
      for (let h = 0; h < H; h++) {
        if (!fits(h, v)) continue;
        const bw = h === partner ? p.localBandwidth : p.bandwidth[link(h, partner, H)];
        if (best < 0 || bw > (best === partner ? p.localBandwidth : p.bandwidth[link(best, partner, H)])) best = h;
      }
      if (best >= 0) place(v, best);
    }
  }
  for (let v = 0; v < V; v++) {
    if (host[v] >= 0) continue;
    let h = 0;
    for (let x = 1; x < H; x++) if (free[x] > free[h]) h = x;
    place(v, h);
  }
  const solution: Solution = { host, routes: routeAll(p, host) };
  const { objective, feasible } = evaluate(p, solution);
  return { solution, objective, feasible, trace: [{ t: now(), objective }] };
}

export interface AnnealParams {
  iterations: number;
  /** Initial temperature, as a fraction of the mean per-pair objective at the start. */
  t0: number;
  /** Geometric cooling factor per iteration. */
  alpha: number;
  /** Relative weights of the moves. */
  swap: number;
  move: number;
  reroute: number;
  /** Trace every this many iterations. */
  traceEvery: number;
}

export const defaultAnneal: AnnealParams = { iterations: 20000, t0: 0.05, alpha: 0.9995, swap: 1, move: 1, reroute: 1, traceEvery: 200 };

/** SA from a start solution: swap two VMs, move one to a free host, or reroute one pair. */
export function anneal(p: Problem, start: Solution, rng: Rng, params: AnnealParams = defaultAnneal, now: Now = stepClock()): Result & { moves: number; accepted: number } {
  const H = p.hosts.length;
  const st = new State(p, start);
  const free = p.vms.map((_, v) => p.pinned[v] < 0).flatMap((f, v) => (f ? [v] : []));
  let best = st.solution(), bestScore = st.feasible ? st.total : -Infinity, bestPenalised = st.score;
  let temp = (Math.max(1, Math.abs(st.score)) / Math.max(1, p.edges.length)) * params.t0;
  const trace = [{ t: now(), objective: bestScore }];
  const wsum = params.swap + params.move + (p.maxHops > 1 ? params.reroute : 0);
  let accepted = 0;
  // The widest route for one pair on what the others leave: direct or through the best relay.
  const reroute = (k: number) => {
    const e = p.edges[k], a = st.host[e.a], b = st.host[e.b];
    st.setRoute(k, NONE);
    if (a === b) return st.setRoute(k, [a]);
    if (p.maxHops > 2) return st.setRoute(k, widestPathHops(H, (u, v) => st.residual(u, v), a, b, p.maxHops).path);
    let best = st.residual(a, b), relay = -1;
    if (p.maxHops === 2) {
      for (let r = 0; r < H; r++) {
        if (r === a || r === b) continue;
        const w = Math.min(st.residual(a, r), st.residual(r, b));
        if (w > best) {
          best = w;
          relay = r;
        }
      }
    }
    st.setRoute(k, relay < 0 ? [a, b] : [a, relay, b]);
  };
  for (let it = 0; it < params.iterations && free.length > 0; it++) {
    // Cooling and tracing first: a move that turns out invalid below still counts as a step.
    if (it > 0) {
      temp *= params.alpha;
      if (it % params.traceEvery === 0) trace.push({ t: now(), objective: bestScore });
    }
    const before = st.score;
    const undo: (() => void)[] = [];
    const moveVm = (v: number, h: number) => {
      const old = st.host[v];
      st.setHost(v, h);
      undo.push(() => st.setHost(v, old));
      for (const k of st.incident[v]) {
        const oldRoute = st.routes[k];
        reroute(k);
        undo.push(() => st.setRoute(k, oldRoute));
      }
    };
    const r = rng.random() * wsum;
    if (r < params.swap && free.length > 1) {
      const v = free[rng.int(free.length)], w = free[rng.int(free.length)];
      if (v === w || st.host[v] === st.host[w]) continue;
      const hv = st.host[v], hw = st.host[w];
      moveVm(v, hw);
      moveVm(w, hv);
    } else if (r < params.swap + params.move) {
      const v = free[rng.int(free.length)];
      const h = rng.int(H);
      if (h === st.host[v] || st.free(h) < p.compute[v] - 1e-12) continue;
      moveVm(v, h);
    } else {
      if (p.edges.length === 0) continue;
      const k = rng.int(p.edges.length);
      const e = p.edges[k], a = st.host[e.a], b = st.host[e.b];
      if (a === b) continue;
      const old = st.routes[k];
      const relay = rng.int(H);
      st.setRoute(k, relay === a || relay === b ? [a, b] : [a, relay, b]);
      undo.push(() => st.setRoute(k, old));
    }
    st.rescore();
    const delta = st.score - before;
    if (delta >= 0 || rng.random() < Math.exp(delta / temp)) {
      accepted++;
      if (st.feasible && st.total > bestScore) {
        bestScore = st.total;
        best = st.solution();
      } else if (!st.feasible && bestScore === -Infinity && st.score > bestPenalised) {
        bestPenalised = st.score;
        best = st.solution();
      }
    } else {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]();
      st.rescore();
    }
  }
  trace.push({ t: now(), objective: bestScore });
  const { objective, feasible } = evaluate(p, best);
  return { solution: best, objective, feasible, trace, moves: params.iterations, accepted };
}

const NONE: number[] = [];

/** GH+SA: annealing seeded with the greedy solution. */
export function greedyAnneal(p: Problem, rng: Rng, params: AnnealParams = defaultAnneal, now: Now = stepClock()): Result {
  const gh = greedy(p, now);
  const sa = anneal(p, gh.solution, rng, params, now);
  const best = sa.objective >= gh.objective || !gh.feasible ? sa : gh;
  return { ...best, trace: [...gh.trace, ...sa.trace.map((x) => ({ t: x.t, objective: Math.max(x.objective, gh.feasible ? gh.objective : -Infinity) }))] };
}

/**
 * Exact optimum by enumeration: every mapping within compute capacity, and for each, every
 * combination of candidate routes (direct, or through one relay when maxHops >= 2).
 */
export function exhaustive(p: Problem, limit = 5e7, now: Now = stepClock()): Result {
  const H = p.hosts.length, V = p.vms.length;
  const host = new Int32Array(V);
  const free = p.capacity.slice();
  let best: Solution | undefined, bestObj = -Infinity, visited = 0;
  const candidates = (a: number, b: number): number[][] => {
    if (a === b) return [[a]];
    const out = [[a, b]];
    if (p.maxHops >= 2) for (let r = 0; r < H; r++) if (r !== a && r !== b) out.push([a, r, b]);
    return out;
  };
  const routes: number[][] = new Array(p.edges.length);
  const score = scorer(p);
  const routeRec = (k: number) => {
    if (k === p.edges.length) {
      if (++visited > limit) throw new Error(`exhaustive: more than ${limit} solutions; the instance is too large`);
      const { objective, feasible } = score(host, routes);
      if (feasible && objective > bestObj) {
        bestObj = objective;
        best = { host: host.slice(), routes: routes.map((r) => r.slice()) };
      }
      return;
    }
    const e = p.edges[k];
    for (const r of candidates(host[e.a], host[e.b])) {
      routes[k] = r;
      routeRec(k + 1);
    }
  };
  const mapRec = (v: number) => {
    if (v === V) return routeRec(0);
    const hs = p.pinned[v] >= 0 ? [p.pinned[v]] : [...Array(H).keys()];
    for (const h of hs) {
      if (free[h] < p.compute[v] - 1e-12) continue;
      free[h] -= p.compute[v];
      host[v] = h;
      mapRec(v + 1);
      free[h] += p.compute[v];
    }
  };
  mapRec(0);
  if (!best) return { solution: { host: host.fill(0), routes: [] }, objective: -Infinity, feasible: false, trace: [{ t: now(), objective: -Infinity }] };
  return { solution: best, objective: bestObj, feasible: true, trace: [{ t: now(), objective: bestObj }] };
}

/** `evaluate` with its buffers allocated once, for enumeration (compute is checked by the caller). */
function scorer(p: Problem): (host: Int32Array, routes: number[][]) => { objective: number; feasible: boolean } {
  const H = p.hosts.length;
  const load = new Float64Array(H * H);
  const out = { objective: 0, feasible: true };
  return (_host, routes) => {
    load.fill(0);
    for (let k = 0; k < p.edges.length; k++) {
      const r = routes[k], d = p.edges[k].demand;
      for (let i = 0; i + 1 < r.length; i++) load[link(r[i], r[i + 1], H)] += d;
    }
    let objective = 0, feasible = true;
    for (let k = 0; k < p.edges.length; k++) {
      const r = routes[k];
      if (r.length === 1) {
        objective += p.localBandwidth - p.edges[k].demand;
        continue;
      }
      let bottleneck = Infinity, lat = 0;
      for (let i = 0; i + 1 < r.length; i++) {
        const l = link(r[i], r[i + 1], H);
        const res = p.bandwidth[l] - load[l];
        if (res < 0) feasible = false;
        if (res < bottleneck) bottleneck = res;
        lat += p.latency[l];
      }
      objective += bottleneck - p.latencyWeight * lat;
    }
    out.objective = objective;
    out.feasible = feasible;
    return out;
  };
}

/** Without a wall clock (sim/ never reads one), traces count calls. */
export function stepClock(): Now {
  let n = 0;
  return () => n++;
}
