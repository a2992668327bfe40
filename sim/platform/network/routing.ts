/**
 * Routes between nodes: shortest paths by latency or hops, with equal-cost ties split by a
 * hash of the (source, destination) pair (ECMP), and explicit static routes that override
 * them. Distances are computed once per destination and cached with the routes.
 */
import { mix32 as mix } from "../../kernel/hash.js";
import { MinHeap } from "./minheap.js";
import type { Topology } from "./topology.js";

export interface Route {
  /** Directional link resources crossed, in order. */
  resources: Int32Array;
  latency: number;
  /** Nodes visited, source first. */
  nodes: number[];
}

/**
 * A route whose nodes are walked from its resources when asked: all-to-all caches one route
 * per pair, and a grown path array kept with each cost ~180 bytes.
 */
class PathRoute implements Route {
  constructor(readonly resources: Int32Array, readonly latency: number, private readonly from: number, private readonly topo: Topology) {}

  get nodes(): number[] {
    const path = [this.from];
    let u = this.from;
    for (const r of this.resources) path.push((u = this.topo.other(this.topo.linkOf(r), u)));
    return path;
  }
}

/**
 * Routes by pair key: a Map until it holds a quarter of all pairs, then an index table of
 * 4 bytes a pair (a Map entry costs ~40 bytes, and all-to-all caches every pair).
 */
class RouteCache {
  private map = new Map<number, Route>();
  private index?: Int32Array;
  private list: Route[] = [];

  get(key: number): Route | undefined {
    if (!this.index) return this.map.get(key);
    const i = this.index[key];
    return i > 0 ? this.list[i - 1] : undefined;
  }

  set(key: number, r: Route, nodes: number): void {
    if (this.index) {
      this.list.push(r);
      this.index[key] = this.list.length;
      return;
    }
    this.map.set(key, r);
    const pairs = nodes * nodes;
    if (this.map.size * 4 > pairs && pairs <= 1 << 26) {
      this.index = new Int32Array(pairs);
      for (const [k, v] of this.map) this.set(k, v, nodes);
      this.map.clear();
    }
  }

  delete(key: number): void {
    if (this.index) this.index[key] = 0;
    else this.map.delete(key);
  }
}

export type Metric = "latency" | "hops";

export class Router {
  private routes = new RouteCache();
  private dist = new Map<number, [Float64Array, Float64Array]>();
  private nextHops = new Map<number, (number[] | undefined)[]>();
  private statics = new Map<number, number[]>();
  private version: number;
  private heap = new MinHeap();
  /** Routes from elsewhere (an imported SimGrid platform's own routing), taken before shortest paths. */
  provider?: (from: number, to: number) => Route;

  constructor(private readonly topo: Topology, private readonly metric: Metric = "latency") {
    this.version = topo.version;
  }

  /** Fixes the path from `from` to `to` through `via` (node ids, in order). */
  setStatic(from: number, to: number, via: number[]): void {
    const path = [from, ...via, to];
    for (let i = 0; i + 1 < path.length; i++) this.linkBetween(path[i], path[i + 1]);
    this.statics.set(this.key(from, to), path);
    this.routes.delete(this.key(from, to));
  }

  route(from: number, to: number): Route {
    if (this.version !== this.topo.version) {
      this.routes = new RouteCache();
      this.dist.clear();
      this.nextHops.clear();
      this.version = this.topo.version;
    }
    const key = this.key(from, to);
    let r = this.routes.get(key);
    if (!r) {
      const fixed = this.statics.get(key);
      r = fixed || !this.provider ? this.build(fixed ?? this.shortest(from, to)) : this.provider(from, to);
      this.routes.set(key, r, this.topo.nodes.length);
    }
    return r;
  }

  private key(from: number, to: number): number {
    return from * this.topo.nodes.length + to;
  }

  /** Route resource lists are views into shared blocks: one ArrayBuffer per route costs ~100 bytes, and all-to-all caches n^2 routes. */
  private pool = new Int32Array(0);
  private used = 0;

  private slice(n: number): Int32Array {
    if (this.used + n > this.pool.length) {
      // A full block stays alive through its views; new routes go to a fresh one.
      this.pool = new Int32Array(Math.max(n, 1 << 16));
      this.used = 0;
    }
    const view = this.pool.subarray(this.used, this.used + n);
    this.used += n;
    return view;
  }

  private build(path: number[]): Route {
    const resources = this.slice(path.length - 1);
    let latency = 0;
    for (let i = 0; i + 1 < path.length; i++) {
      const link = this.linkBetween(path[i], path[i + 1]);
      resources[i] = this.topo.resource(link, path[i]);
      latency += link.latency;
    }
    return new PathRoute(resources, latency, path[0], this.topo);
  }

  private linkBetween(a: number, b: number) {
    // The fastest of parallel links, so an added lightpath is preferred.
    let best;
    // Links between a and b are in both adjacency lists: scan the shorter (a host's, not its
    // switch's, which has a link per host). Ties keep the lower link id either way.
    const [from, to] = this.topo.adjacency[a].length <= this.topo.adjacency[b].length ? [a, b] : [b, a];
    for (const id of this.topo.adjacency[from]) {
      const l = this.topo.links[id];
      if (this.topo.other(l, from) === to && (!best || l.bandwidth > best.bandwidth)) best = l;
    }
    if (!best) throw new Error(`network: no link between ${this.topo.nodes[a]} and ${this.topo.nodes[b]}`);
    return best;
  }

  /** Link cost as (primary, secondary): latency then hops, or hops then latency. */
  private cost(linkId: number): [number, number] {
    const lat = this.topo.links[linkId].latency;
    return this.metric === "hops" ? [1, lat] : [lat, 1];
  }

  private shortest(from: number, to: number): number[] {
    if (from === to) return [from];
    const [d1, d2] = this.distancesTo(to);
    if (d1[from] === Infinity) throw new Error(`network: no path from ${this.topo.nodes[from]} to ${this.topo.nodes[to]}`);
    const path = [from];
    let hash = mix(from * 0x9e3779b1 + to);
    const known = this.nextHopsTo(to);
    for (let u = from; u !== to; ) {
      // A switch's next hops toward `to` do not depend on where the path began: computed once
      // per (switch, destination), not once per pair (a crossbar switch has a link per host).
      const forwards = this.topo.kinds[u] !== "host";
      let next = forwards ? known[u] : undefined;
      if (!next) {
        next = [];
        for (const id of this.topo.adjacency[u]) {
          const v = this.topo.other(this.topo.links[id], u);
          const [w1, w2] = this.cost(id);
          if (sameCost(w1 + d1[v], d1[u]) && sameCost(w2 + d2[v], d2[u]) && !next.includes(v)) next.push(v);
        }
        next.sort((a, b) => a - b);
        if (forwards) known[u] = next;
      }
      hash = mix(hash + u);
      u = next[hash % next.length];
      path.push(u);
    }
    return path;
  }

  private nextHopsTo(to: number): (number[] | undefined)[] {
    let known = this.nextHops.get(to);
    if (!known) this.nextHops.set(to, (known = []));
    return known;
  }

  /** Dijkstra from `to` on the lexicographic (primary, secondary) cost; links are symmetric. */
  private distancesTo(to: number): [Float64Array, Float64Array] {
    const cached = this.dist.get(to);
    if (cached) return cached;
    const n = this.topo.nodes.length;
    const d1 = new Float64Array(n).fill(Infinity), d2 = new Float64Array(n).fill(Infinity);
    // Label-correcting: a node is expanded again whenever its label improves, which keeps
    // lexicographic costs exact even though the heap orders by the primary cost alone.
    const improved = new Uint8Array(n);
    const heap = this.heap;
    heap.clear();
    d1[to] = d2[to] = 0;
    improved[to] = 1;
    heap.push(0, to);
    while (heap.size > 0) {
      const u = heap.topValue();
      heap.pop();
      if (!improved[u]) continue;
      improved[u] = 0;
      // Hosts do not forward: a path may end at a host but not cross one.
      if (u !== to && this.topo.kinds[u] === "host") continue;
      for (const id of this.topo.adjacency[u]) {
        const v = this.topo.other(this.topo.links[id], u);
        const [w1, w2] = this.cost(id);
        const n1 = d1[u] + w1, n2 = d2[u] + w2;
        if (n1 < d1[v] && !sameCost(n1, d1[v]) || (sameCost(n1, d1[v]) && n2 < d2[v] && !sameCost(n2, d2[v]))) {
          d1[v] = n1;
          d2[v] = n2;
          improved[v] = 1;
          heap.push(n1, v);
        }
      }
    }
    const result: [Float64Array, Float64Array] = [d1, d2];
    this.dist.set(to, result);
    return result;
  }
}

function sameCost(a: number, b: number): boolean {
  if (a === Infinity || b === Infinity) return a === b;
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
}

