/**
 * The adaptation problem (VM 2004, ICAC 2006): map VMs onto hosts and route each communicating
 * VM pair over the overlay so that an objective is maximised under compute and bandwidth
 * constraints. Hosts form a complete overlay graph whose links carry the measured bandwidth
 * and latency of the physical path between them; a route is a host path of at most `maxHops`
 * overlay links (1: direct only; 2: direct or through one relay daemon).
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
 * (capacity less everything routed over it), minus the latency weight times its latency.
 * Overloaded links or hosts make the solution infeasible.
 */
export function evaluate(p: Problem, s: Solution): { objective: number; feasible: boolean; overload: number } {
  const H = p.hosts.length;
  const load = new Float64Array(H * H);
  const used = new Float64Array(H);
  let overload = 0;
  s.host.forEach((h, v) => (used[h] += p.compute[v]));
  for (let h = 0; h < H; h++) overload += Math.max(0, used[h] - p.capacity[h]) * 1e12;
  p.edges.forEach((e, k) => {
    const r = s.routes[k];
    for (let i = 0; i + 1 < r.length; i++) load[link(r[i], r[i + 1], H)] += e.demand;
  });
  let objective = 0;
  p.edges.forEach((e, k) => {
    const r = s.routes[k];
    if (r.length === 1) {
      objective += p.localBandwidth - e.demand;
      return;
    }
    let bottleneck = Infinity, lat = 0;
    for (let i = 0; i + 1 < r.length; i++) {
      const l = link(r[i], r[i + 1], H);
      bottleneck = Math.min(bottleneck, p.bandwidth[l] - load[l]);
      lat += p.latency[l];
    }
    objective += bottleneck - p.latencyWeight * lat;
  });
  for (let l = 0; l < H * H; l++) if (load[l] > 0) overload += Math.max(0, load[l] - p.bandwidth[l]);
  return { objective, feasible: overload === 0, overload };
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
