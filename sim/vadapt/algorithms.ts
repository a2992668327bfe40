/**
 * VADAPT's algorithms: the greedy heuristic (GH), simulated annealing (SA), GH+SA, and an
 * exhaustive search that is exact for small instances. Each returns its best solution, the
 * objective, and the objective's trace over (wall or step) time.
 */
import type { Rng } from "../kernel/index.js";
import { capacities, cpuTerm, evaluate, hostShare, link, resources, routeLatency, simpleRoutes, type Problem, type Result, type Solution } from "./problem.js";
import { State } from "./state.js";
import { widestPathHops } from "./widest.js";

export type Now = () => number;

/** Routes every edge in decreasing demand over the widest path on residual capacity. */
export function routeAll(p: Problem, host: Int32Array): number[][] {
  const H = p.hosts.length;
  const cap = capacities(p);
  const load = new Float64Array(cap.length);
  const free = (x: number) => cap[x] - load[x];
  const width = p.access ? (u: number, v: number) => Math.min(free(link(u, v, H)), free(H * H + u), free(H * H + v)) : (u: number, v: number) => free(link(u, v, H));
  const routes: number[][] = new Array(p.edges.length);
  const order = p.edges.map((_, k) => k).sort((x, y) => p.edges[y].demand - p.edges[x].demand || x - y);
  for (const k of order) {
    const e = p.edges[k];
    const a = host[e.a], b = host[e.b];
    const r = a === b ? [a] : widestPathHops(H, width, a, b, p.maxHops).path;
    routes[k] = r;
    for (const x of resources(p, r)) load[x] += e.demand;
  }
  return routes;
}

/**
 * GH: heaviest VM pairs first onto the best free host pairs; a VM whose partner is placed goes
 * to the free host best connected to it; the rest to any free host. Then widest-path routing.
 * With a compute term, a host is worth its connection plus the term a VM would earn there
 * (weight x the share it would get): pairs rank by bandwidth plus the smaller of their two
 * hosts' terms, a partner's host by connection plus term, and the rest go where the term is
 * largest.
 * Each of `seeds` (e.g. the current placement) is a candidate mapping too, routed the same
 * way; the best candidate wins (feasible first, then objective; ties keep the earlier seed,
 * and seeds come before GH's own mapping, so an equally good placement is not left).
 */
export function greedy(p: Problem, now: Now = stepClock(), seeds: readonly Int32Array[] = []): Result {
  let best: Result | undefined;
  // With a compute term, each seed relieved of its slowest VMs is a candidate too: it reaches
  // the term GH's own mapping would with the fewest moves.
  const relieved = p.cpu && p.cpu.weight > 0 ? seeds.map((s) => relieve(p, s)) : [];
  for (const host of [...seeds, ...relieved, greedyMapping(p)]) {
    const solution: Solution = { host: host.slice(), routes: routeAll(p, host) };
    const { objective, feasible } = evaluate(p, solution);
    if (!best || (feasible && !best.feasible) || (feasible === best.feasible && objective > best.objective)) best = { solution, objective, feasible, trace: [] };
  }
  best!.trace = [{ t: now(), objective: best!.objective }];
  return best!;
}

/**
 * A mapping with its slowest VM moved, one at a time, to the host with room where it would get
 * the largest fraction, for as long as that raises the compute term.
 */
function relieve(p: Problem, seed: Int32Array): Int32Array {
  const host = seed.slice();
  const used = new Float64Array(p.hosts.length);
  host.forEach((h, v) => (used[h] += p.compute[v]));
  for (let step = 0; step < p.vms.length; step++) {
    const before = cpuTerm(p, host);
    let slow = -1;
    for (let v = 0; v < host.length; v++) if (p.pinned[v] < 0 && (slow < 0 || hostShare(p.cpu!, host[v], used[host[v]]) < hostShare(p.cpu!, host[slow], used[host[slow]]))) slow = v;
    if (slow < 0) break;
    let to = -1;
    for (let h = 0; h < p.hosts.length; h++) {
      if (h === host[slow] || p.capacity[h] - used[h] < p.compute[slow] - 1e-12) continue;
      if (to < 0 || hostShare(p.cpu!, h, used[h] + p.compute[slow]) > hostShare(p.cpu!, to, used[to] + p.compute[slow])) to = h;
    }
    if (to < 0) break;
    const from = host[slow];
    host[slow] = to;
    if (cpuTerm(p, host) <= before) {
      host[slow] = from;
      break;
    }
    used[from] -= p.compute[slow];
    used[to] += p.compute[slow];
  }
  return host;
}

function greedyMapping(p: Problem): Int32Array {
  const H = p.hosts.length, V = p.vms.length;
  const host = p.pinned.slice();
  const free = p.capacity.slice();
  host.forEach((h, v) => h >= 0 && (free[h] -= p.compute[v]));
  const fits = (h: number, v: number) => free[h] >= p.compute[v] - 1e-12;
  // Compute placed on each host so far, for the share a further VM would get there.
  const used = new Float64Array(H);
  host.forEach((h, v) => h >= 0 && (used[h] += p.compute[v]));
  const place = (v: number, h: number) => {
    host[v] = h;
    free[h] -= p.compute[v];
    used[h] += p.compute[v];
  };
  // A zero weight ranks as no term at all (the term adds nothing to the objective then either).
  const c = p.cpu && p.cpu.weight > 0 ? p.cpu : undefined;
  const term = (h: number, v: number) => (c ? c.weight * hostShare(c, h, used[h] + p.compute[v]) : 0);
  const cap = capacities(p);
  // A host pair is as good as its overlay link and both ends' access links.
  const bw = (a: number, b: number) => Math.min(cap[link(a, b, H)], cap[H * H + a], cap[H * H + b]);
  const pairs: [number, number][] = [];
  for (let a = 0; a < H; a++) for (let b = a + 1; b < H; b++) pairs.push([a, b]);
  if (!c) pairs.sort((x, y) => bw(y[0], y[1]) - bw(x[0], x[1]) || x[0] - y[0] || x[1] - y[1]);
  else {
    // A unit-demand VM's term on each host given the pinned VMs (pairs are ranked once).
    const t1 = Array.from({ length: H }, (_, h) => c.weight * hostShare(c, h, used[h] + 1));
    const worth = (a: number, b: number) => bw(a, b) + Math.min(t1[a], t1[b]);
    pairs.sort((x, y) => worth(y[0], y[1]) - worth(x[0], x[1]) || x[0] - y[0] || x[1] - y[1]);
  }
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
        const to = (x: number) => (x === partner ? p.localBandwidth : bw(x, partner)) + term(x, v);
        if (best < 0 || to(h) > to(best)) best = h;
      }
      if (best >= 0) place(v, best);
    }
  }
  for (let v = 0; v < V; v++) {
    if (host[v] >= 0) continue;
    let h = 0;
    if (!c) {
      for (let x = 1; x < H; x++) if (free[x] > free[h]) h = x;
    } else {
      // The host with room where the VM's term is largest (else, as without one, the freest).
      let best = -1;
      for (let x = 0; x < H; x++) if (fits(x, v) && (best < 0 || term(x, v) > term(best, v))) best = x;
      if (best >= 0) h = best;
      else for (let x = 1; x < H; x++) if (free[x] > free[h]) h = x;
    }
    place(v, h);
  }
  return host;
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

/**
 * SA from a start solution: swap two VMs, move one to a host with room, or reroute one pair
 * over a random simple route of at most `maxHops` links. Reroutes need no free VM, so with
 * every VM pinned it still adapts the overlay. `moves` counts the moves made (proposed and
 * scored), `accepted` those kept; a draw that is no move (e.g. swapping two VMs on one host)
 * counts as neither, but as a step of the cooling schedule.
 */
export function anneal(p: Problem, start: Solution, rng: Rng, params: AnnealParams = defaultAnneal, now: Now = stepClock()): Result & { moves: number; accepted: number } {
  const H = p.hosts.length;
  const st = new State(p, start);
  const free = p.vms.map((_, v) => p.pinned[v] < 0).flatMap((f, v) => (f ? [v] : []));
  let best = st.solution(), bestScore = st.feasible ? st.total : -Infinity, bestPenalised = st.score;
  let temp = (Math.max(1, Math.abs(st.score)) / Math.max(1, p.edges.length)) * params.t0;
  const trace = [{ t: now(), objective: bestScore }];
  // Only moves that can change something are drawn.
  const wSwap = free.length > 1 ? params.swap : 0;
  const wMove = free.length > 0 && H > 1 ? params.move : 0;
  const wReroute = p.maxHops > 1 && H > 2 && p.edges.length > 0 ? params.reroute : 0;
  const wsum = wSwap + wMove + wReroute;
  let accepted = 0, moves = 0;
  // The widest route for one pair on what the others leave.
  const reroute = (k: number) => {
    const e = p.edges[k], a = st.host[e.a], b = st.host[e.b];
    st.setRoute(k, NONE);
    if (a === b) return st.setRoute(k, [a]);
    st.setRoute(k, widestPathHops(H, (u, v) => st.residual(u, v), a, b, p.maxHops).path);
  };
  for (let it = 0; it < params.iterations && wsum > 0; it++) {
    // Cooling and tracing first: a draw that turns out to be no move below still counts as a step.
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
    if (r < wSwap) {
      const v = free[rng.int(free.length)], w = free[rng.int(free.length)];
      if (v === w || st.host[v] === st.host[w]) continue;
      const hv = st.host[v], hw = st.host[w];
      moveVm(v, hw);
      moveVm(w, hv);
    } else if (r < wSwap + wMove) {
      const v = free[rng.int(free.length)];
      const h = rng.int(H);
      if (h === st.host[v] || st.free(h) < p.compute[v] - 1e-12) continue;
      moveVm(v, h);
    } else {
      const k = rng.int(p.edges.length);
      const e = p.edges[k], a = st.host[e.a], b = st.host[e.b];
      if (a === b) continue;
      const route = randomRoute(rng, H, a, b, p.maxHops);
      const old = st.routes[k];
      if (route.join() === old.join()) continue;
      st.setRoute(k, route);
      undo.push(() => st.setRoute(k, old));
    }
    moves++;
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
  return { solution: best, objective, feasible, trace, moves, accepted };
}

/** A uniformly drawn length (1..maxHops, as hosts allow) and random distinct relays. */
function randomRoute(rng: Rng, H: number, a: number, b: number, maxHops: number): number[] {
  const hops = 1 + rng.int(Math.min(maxHops, H - 1));
  const others: number[] = [];
  for (let h = 0; h < H; h++) if (h !== a && h !== b) others.push(h);
  const route = [a];
  for (let i = 0; i < hops - 1; i++) route.push(others.splice(rng.int(others.length), 1)[0]);
  route.push(b);
  return route;
}

const NONE: number[] = [];

/** GH+SA: annealing seeded with the greedy solution. */
export function greedyAnneal(p: Problem, rng: Rng, params: AnnealParams = defaultAnneal, now: Now = stepClock(), seeds: readonly Int32Array[] = []): Result {
  const gh = greedy(p, now, seeds);
  const sa = anneal(p, gh.solution, rng, params, now);
  const best = sa.objective >= gh.objective || !gh.feasible ? sa : gh;
  return { ...best, trace: [...gh.trace, ...sa.trace.map((x) => ({ t: x.t, objective: Math.max(x.objective, gh.feasible ? gh.objective : -Infinity) }))] };
}

/**
 * Exact optimum by enumeration: every mapping within compute capacity and, for each, every
 * combination of simple routes of at most `maxHops` links (plus the mapping's compute term). A partial routing that already
 * overloads a link is cut off (more routes only add load), which keeps it exact.
 */
export function exhaustive(p: Problem, limit = 5e7, now: Now = stepClock()): Result {
  const H = p.hosts.length, V = p.vms.length;
  const host = new Int32Array(V);
  const free = p.capacity.slice();
  const cap = capacities(p);
  const load = new Float64Array(cap.length);
  let best: Solution | undefined, bestObj = -Infinity, visited = 0;
  const table = new Map<number, { route: number[]; res: number[] }[]>();
  const candidates = (a: number, b: number) => {
    let c = table.get(a * H + b);
    if (!c) table.set(a * H + b, (c = simpleRoutes(H, a, b, p.maxHops).map((route) => ({ route, res: resources(p, route) }))));
    return c;
  };
  const routes: number[][] = new Array(p.edges.length);
  const score = scorer(p);
  // The compute term depends on the mapping alone: taken once per mapping, added to each routing.
  let mappingTerm = 0;
  const routeRec = (k: number) => {
    if (k === p.edges.length) {
      if (++visited > limit) throw new Error(`exhaustive: more than ${limit} solutions; the instance is too large`);
      const scored = score(routes);
      const feasible = scored.feasible, objective = p.cpu ? scored.objective + mappingTerm : scored.objective;
      if (feasible && objective > bestObj) {
        bestObj = objective;
        best = { host: host.slice(), routes: routes.map((r) => r.slice()) };
      }
      return;
    }
    const e = p.edges[k];
    for (const c of candidates(host[e.a], host[e.b])) {
      let over = false;
      for (const r of c.res) if ((load[r] += e.demand) > cap[r] * (1 + 1e-9) + 1e-9) over = true;
      routes[k] = c.route;
      if (!over) routeRec(k + 1);
      for (const r of c.res) load[r] -= e.demand;
    }
  };
  const mapRec = (v: number) => {
    if (v === V) {
      load.fill(0);
      if (p.cpu) mappingTerm = cpuTerm(p, host);
      return routeRec(0);
    }
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

/**
 * `evaluate` with its buffers allocated once, for enumeration (compute is checked by the
 * caller). Loads are summed afresh in edge order, so objectives equal `evaluate`'s exactly.
 */
function scorer(p: Problem): (routes: number[][]) => { objective: number; feasible: boolean } {
  const cap = capacities(p);
  const load = new Float64Array(cap.length);
  const out = { objective: 0, feasible: true };
  const res = p.edges.map(() => [] as number[]);
  return (routes) => {
    load.fill(0);
    for (let k = 0; k < p.edges.length; k++) {
      res[k] = resources(p, routes[k]);
      for (const r of res[k]) load[r] += p.edges[k].demand;
    }
    let objective = 0, feasible = true;
    for (let k = 0; k < p.edges.length; k++) {
      const r = routes[k];
      if (r.length === 1) {
        objective += p.localBandwidth - p.edges[k].demand;
        continue;
      }
      let bottleneck = Infinity;
      for (const x of res[k]) bottleneck = Math.min(bottleneck, cap[x] - load[x]);
      objective += bottleneck - p.latencyWeight * routeLatency(p, r);
    }
    for (let l = 0; l < cap.length; l++) if (load[l] > 0 && load[l] - cap[l] > 0) feasible = false;
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
