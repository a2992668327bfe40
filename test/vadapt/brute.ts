/** An independent model of the adaptation problem, and brute force over it, for the VADAPT tests. */
import fc from "fast-check";
import { link, type Problem } from "../../sim/vadapt/index.js";

/**
 * An independent model of the documented objective: per VM edge, the narrowest residual
 * (capacity less all demand routed over it) among the overlay links of its route and the
 * access links at both ends of each hop, less latencyWeight x route latency; a local pair
 * scores localBandwidth - demand; plus, with a compute term, its weight times the smallest
 * fraction of its demand any VM gets (min(1, cores / (background + compute on its host))).
 * Any link, access link or host over capacity: infeasible.
 */
export function score(p: Problem, host: number[], routes: number[][]): number | undefined {
  const H = p.hosts.length;
  const used = new Array(H).fill(0);
  host.forEach((h, v) => (used[h] += p.compute[v]));
  if (used.some((u, h) => u > p.capacity[h])) return undefined;
  const links = new Map<string, number>(), access = new Array(H).fill(0);
  const key = (a: number, b: number) => `${Math.min(a, b)}-${Math.max(a, b)}`;
  p.edges.forEach((e, k) => {
    const r = routes[k];
    for (let i = 0; i + 1 < r.length; i++) {
      links.set(key(r[i], r[i + 1]), (links.get(key(r[i], r[i + 1])) ?? 0) + e.demand);
      access[r[i]] += e.demand;
      access[r[i + 1]] += e.demand;
    }
  });
  const linkCap = (a: number, b: number) => p.bandwidth[Math.min(a, b) * H + Math.max(a, b)];
  const accessCap = (h: number) => (p.access ? p.access[h] : Infinity);
  for (const [k, load] of links) {
    const [a, b] = k.split("-").map(Number);
    if (load > linkCap(a, b)) return undefined;
  }
  if (access.some((load, h) => load > accessCap(h))) return undefined;
  let total = 0;
  p.edges.forEach((e, k) => {
    const r = routes[k];
    if (r.length === 1) return void (total += p.localBandwidth - e.demand);
    let narrow = Infinity, lat = 0;
    for (let i = 0; i + 1 < r.length; i++) {
      narrow = Math.min(narrow, linkCap(r[i], r[i + 1]) - links.get(key(r[i], r[i + 1]))!, accessCap(r[i]) - access[r[i]], accessCap(r[i + 1]) - access[r[i + 1]]);
      lat += p.latency[Math.min(r[i], r[i + 1]) * H + Math.max(r[i], r[i + 1])];
    }
    total += narrow - p.latencyWeight * lat;
  });
  if (p.cpu) {
    // Each VM's fraction of its demand under fair sharing with its host's background; the slowest counts.
    const c = p.cpu;
    const fractions = host.map((h) => Math.min(1, c.cores[h] / (Math.max(0, c.background[h]) + used[h])));
    total += c.weight * Math.min(1, ...fractions);
  }
  return total;
}

/** Every walk from a to b of at most `hops` links that repeats no host. */
export function paths(H: number, a: number, b: number, hops: number): number[][] {
  if (a === b) return [[a]];
  const out: number[][] = [];
  const walk = (path: number[]) => {
    const u = path[path.length - 1];
    if (u === b) return void out.push(path);
    if (path.length > hops) return;
    for (let v = 0; v < H; v++) if (!path.includes(v)) walk([...path, v]);
  };
  walk([a]);
  return out;
}

/** The best feasible objective over every mapping (H^V) and every route combination. */
export function bruteForce(p: Problem): number {
  const H = p.hosts.length, V = p.vms.length;
  let best = -Infinity;
  const host: number[] = [];
  const assign = (v: number) => {
    if (v === V) {
      const options = p.edges.map((e) => paths(H, host[e.a], host[e.b], p.maxHops));
      const routes: number[][] = [];
      const pick = (k: number) => {
        if (k === options.length) {
          const s = score(p, host, routes);
          if (s !== undefined && s > best) best = s;
          return;
        }
        for (const o of options[k]) {
          routes[k] = o;
          pick(k + 1);
        }
      };
      return pick(0);
    }
    for (let h = 0; h < H; h++) {
      if (p.pinned[v] >= 0 && p.pinned[v] !== h) continue;
      host[v] = h;
      assign(v + 1);
    }
  };
  assign(0);
  return best;
}

/** Work the brute force does: mappings times route combinations (an upper bound). */
export function work(p: Problem): number {
  const H = p.hosts.length;
  const free = Array.from(p.pinned).filter((h) => h < 0).length;
  const routes = paths(H, 0, H - 1, p.maxHops).length;
  return H ** free * routes ** p.edges.length;
}

/** Tight random instances: few bandwidth levels, demands near them, optional access links. */
export const instance = fc
  .record({
    hosts: fc.constantFrom(2, 3, 4, 4),
    vms: fc.integer({ min: 2, max: 6 }),
    hops: fc.constantFrom(1, 2, 3, 3),
    slots: fc.integer({ min: 1, max: 3 }),
    bw: fc.array(fc.constantFrom(1, 1, 40, 60, 100), { minLength: 16, maxLength: 16 }),
    lat: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 16, maxLength: 16 }),
    access: fc.option(fc.array(fc.constantFrom(50, 100, 150, Infinity), { minLength: 4, maxLength: 4 }), { nil: undefined }),
    edges: fc.array(fc.record({ a: fc.nat(5), b: fc.nat(5), demand: fc.constantFrom(10, 30, 50) }), { minLength: 1, maxLength: 6 }),
    pins: fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 6, maxLength: 6 }),
    latencyWeight: fc.constantFrom(0, 1),
  })
  .map((r): Problem => {
    const H = r.hosts, V = r.vms;
    const bandwidth = new Float64Array(H * H), latency = new Float64Array(H * H);
    for (let a = 0; a < H; a++) for (let b = a + 1; b < H; b++) (bandwidth[link(a, b, H)] = r.bw[a * 4 + b]), (latency[link(a, b, H)] = r.lat[a * 4 + b]);
    const seen = new Set<string>();
    const edges = r.edges.map((e) => ({ a: e.a % V, b: e.b % V, demand: e.demand })).filter((e) => e.a < e.b && !seen.has(`${e.a},${e.b}`) && seen.add(`${e.a},${e.b}`));
    const pinned = Int32Array.from({ length: V }, (_, v) => (r.pins[v] < H ? r.pins[v] : -1));
    const p: Problem = { vms: Array.from({ length: V }, (_, i) => `vm${i}`), hosts: Array.from({ length: H }, (_, i) => `h${i}`), edges, compute: new Float64Array(V).fill(1), capacity: new Float64Array(H).fill(r.slots), bandwidth, latency, localBandwidth: 1000, pinned, maxHops: r.hops, latencyWeight: r.latencyWeight };
    if (r.access) p.access = Float64Array.from(r.access.slice(0, H));
    return p;
  })
  .filter((p) => p.edges.length > 0 && work(p) <= 2e5);
