/**
 * The adaptation problem (VM 2004, ICAC 2006): map VMs onto hosts and route each communicating
 * VM pair over the overlay so that an objective is maximised under compute and bandwidth
 * constraints. Hosts form a complete overlay graph whose links carry the measured bandwidth
 * and latency of the physical path between them; a route is a simple host path of at most
 * `maxHops` overlay links (1: direct only; 2: direct or through one relay daemon; ...).
 * Where hosts have a shared access link (every overlay link of a host leaves over it, as all
 * VMs behind a Proxy share its link), `access` gives its capacity: every hop of every route
 * loads the access links of both its ends, so a relay's access link carries the pair twice.
 */
export interface VmEdge {
  a: number;
  b: number;
  /** Bytes per second between a and b (both directions together). */
  demand: number;
}

export interface Problem {
  vms: readonly string[];
  hosts: readonly string[];
  edges: readonly VmEdge[];
  /** Compute each VM needs, in the units of `capacity` (e.g. cores). */
  compute: Float64Array;
  capacity: Float64Array;
  /** Measured bandwidth and latency of each host pair, row-major nHosts x nHosts. */
  bandwidth: Float64Array;
  latency: Float64Array;
  /** Rate between VMs on one host. */
  localBandwidth: number;
  /** Host index per VM that must not move, -1 for free. */
  pinned: Int32Array;
  maxHops: number;
  latencyWeight: number;
  /** Capacity of each host's access link; absent, or Infinity for a host, when there is none. */
  access?: Float64Array;
  /** The compute term of the objective (absent: none); see `cpuTerm`. */
  cpu?: CpuTerm;
}

/**
 * What the VMs' hosts give them: each host's cores and its background load (runnable demand
 * of everything but the problem's VMs, in cores' worth, e.g. a load forecast). A VM demands
 * `compute[v]` cores when it runs; under fair sharing each gets the fraction
 * min(1, cores / (background + used)) of its demand, `used` being the compute of the VMs the
 * mapping puts there. A BSP superstep waits for its slowest VM, so the application's compute
 * progress follows the smallest such fraction over the hosts in use; the objective gains
 * `weight` times it (objective units per unit of that fraction: 1 = every VM at full speed).
 */
export interface CpuTerm {
  cores: Float64Array;
  background: Float64Array;
  weight: number;
}

/**
 * The compute term of a mapping: weight x the smallest fraction of its demand any VM gets
 * (1 with no VM placed); 0 without a compute term. It depends on the mapping only, not on
 * routes. Host usage is summed in VM order, as `evaluate` does.
 */
export function cpuTerm(p: Problem, host: ArrayLike<number>): number {
  const c = p.cpu;
  if (!c) return 0;
  const used = new Float64Array(p.hosts.length);
  for (let v = 0; v < host.length; v++) used[host[v]] += p.compute[v];
  return c.weight * slowestShare(c, used);
}

/** The smallest fraction of their demand the VMs get, over hosts with `used` > 0 (1 if none). */
export function slowestShare(c: CpuTerm, used: ArrayLike<number>): number {
  let slowest = 1;
  for (let h = 0; h < used.length; h++) {
    if (used[h] <= 0) continue;
    slowest = Math.min(slowest, hostShare(c, h, used[h]));
  }
  return slowest;
}

/** Fraction of its demand each VM on host h gets with `used` cores of VMs there. */
export function hostShare(c: CpuTerm, h: number, used: number): number {
  return Math.min(1, c.cores[h] / (Math.max(0, c.background[h]) + used));
}

/** A mapping (host per VM) and a host path per VM edge. */
export interface Solution {
  host: Int32Array;
  routes: number[][];
}

export interface Scored {
  solution: Solution;
  objective: number;
  feasible: boolean;
}

/** An algorithm's answer: the best solution, and its objective over wall time. */
export interface Result extends Scored {
  trace: { t: number; objective: number }[];
}

/**
 * The default objective: for every VM edge the residual bandwidth of its path's bottleneck
 * (capacity less everything routed over it, access links included), minus the latency weight
 * times its latency; plus the compute term where the problem has one (`cpuTerm`). Overloaded
 * links or hosts make the solution infeasible.
 */
export function evaluate(p: Problem, s: Solution): { objective: number; feasible: boolean; overload: number } {
  const H = p.hosts.length;
  const cap = capacities(p);
  const load = new Float64Array(cap.length);
  const used = new Float64Array(H);
  let overload = 0;
  s.host.forEach((h, v) => (used[h] += p.compute[v]));
  for (let h = 0; h < H; h++) overload += Math.max(0, used[h] - p.capacity[h]) * 1e12;
  p.edges.forEach((e, k) => {
    for (const res of resources(p, s.routes[k])) load[res] += e.demand;
  });
  let objective = 0;
  p.edges.forEach((e, k) => {
    const r = s.routes[k];
    if (r.length === 1) {
      objective += p.localBandwidth - e.demand;
      return;
    }
    let bottleneck = Infinity;
    for (const res of resources(p, r)) bottleneck = Math.min(bottleneck, cap[res] - load[res]);
    objective += bottleneck - p.latencyWeight * routeLatency(p, r);
  });
  if (p.cpu) objective += cpuTerm(p, s.host);
  for (let l = 0; l < cap.length; l++) if (load[l] > 0) overload += Math.max(0, load[l] - cap[l]);
  return { objective, feasible: overload === 0, overload };
}

/**
 * Capacities of every resource a route can load: the overlay links (index `link(a, b, H)`),
 * then each host's access link (index `H * H + h`, Infinity where there is none).
 */
export function capacities(p: Problem): Float64Array {
  let c = capCache.get(p);
  if (!c) {
    const H = p.hosts.length;
    c = new Float64Array(H * H + H);
    c.set(p.bandwidth.subarray(0, H * H));
    for (let h = 0; h < H; h++) c[H * H + h] = p.access && p.access[h] > 0 ? p.access[h] : Infinity;
    capCache.set(p, c);
  }
  return c;
}
const capCache = new WeakMap<Problem, Float64Array>();

/**
 * The resources a route loads, with multiplicity: each hop's overlay link and, where hosts
 * have access links, the access links at both ends of the hop.
 */
export function resources(p: Problem, r: readonly number[]): number[] {
  const H = p.hosts.length, out: number[] = [];
  for (let i = 0; i + 1 < r.length; i++) {
    out.push(link(r[i], r[i + 1], H));
    if (p.access) out.push(H * H + r[i], H * H + r[i + 1]);
  }
  return out;
}

/** Sum of the latencies of a route's overlay links. */
export function routeLatency(p: Problem, r: readonly number[]): number {
  const H = p.hosts.length;
  let lat = 0;
  for (let i = 0; i + 1 < r.length; i++) lat += p.latency[link(r[i], r[i + 1], H)];
  return lat;
}

/** Every simple host path from a to b of at most `maxHops` links (a === b: the local route). */
export function simpleRoutes(H: number, a: number, b: number, maxHops: number): number[][] {
  if (a === b) return [[a]];
  const out: number[][] = [];
  const path = [a];
  const on = new Uint8Array(H);
  on[a] = 1;
  const walk = () => {
    const u = path[path.length - 1];
    if (u === b) return void out.push(path.slice());
    if (path.length - 1 === maxHops) return;
    for (let v = 0; v < H; v++) {
      if (on[v]) continue;
      on[v] = 1;
      path.push(v);
      walk();
      path.pop();
      on[v] = 0;
    }
  };
  walk();
  return out;
}

/** Undirected overlay link index: the smaller host first. */
export function link(a: number, b: number, H: number): number {
  return a < b ? a * H + b : b * H + a;
}

/** Checks a solution's shape: every route runs from its edge's hosts and stays within maxHops. */
export function validRoutes(p: Problem, s: Solution): boolean {
  return p.edges.every((e, k) => {
    const r = s.routes[k];
    const ha = s.host[e.a], hb = s.host[e.b];
    if (ha === hb) return r.length === 1 && r[0] === ha;
    return r[0] === ha && r[r.length - 1] === hb && r.length - 1 <= p.maxHops && new Set(r).size === r.length;
  });
}
