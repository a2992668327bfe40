/** Builds a Topology from its scenario description; hosts are already nodes. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Rng } from "../../kernel/index.js";
import { installSimgrid, SimgridPlatform, type RouteProvider } from "./simgrid/index.js";
import type { TopologySpec } from "./schema.js";
import type { Topology } from "./topology.js";

/** Returns the platform's own routing when it brings one (SimGrid files). */
export function buildTopology(topo: Topology, hosts: readonly string[], spec: TopologySpec, rng: Rng, baseDir = "."): RouteProvider | void {
  const h = hosts.map((n) => topo.node(n));
  switch (spec.kind) {
    case "switch": {
      const sw = topo.addNode("switch", "switch");
      for (const x of h) topo.addLink(x, sw, spec.bandwidth, spec.latency);
      return;
    }
    case "two-sites": {
      const a = topo.addNode("siteA", "switch"), b = topo.addNode("siteB", "switch");
      const inA = new Set(spec.siteA);
      hosts.forEach((name, i) => topo.addLink(h[i], inA.has(name) ? a : b, spec.lan.bandwidth, spec.lan.latency));
      topo.addLink(a, b, spec.wan.bandwidth, spec.wan.latency, true, "wan");
      return;
    }
    case "fat-tree":
      return fatTree(topo, h, spec.k, spec.bandwidth, spec.latency);
    case "random": {
      const routers = Array.from({ length: spec.routers }, (_, i) => topo.addNode(`r${i}`, "router"));
      // A random spanning tree keeps it connected; extra links add path diversity.
      const linked = new Set<string>();
      for (let i = 1; i < routers.length; i++) {
        const j = rng.int(i);
        topo.addLink(routers[j], routers[i], spec.router.bandwidth, spec.router.latency);
        linked.add(`${j},${i}`);
      }
      for (let i = 0; i < routers.length; i++) {
        for (let j = i + 1; j < routers.length; j++) {
          if (!linked.has(`${i},${j}`) && rng.random() < spec.extraLinkProbability) {
            topo.addLink(routers[i], routers[j], spec.router.bandwidth, spec.router.latency);
          }
        }
      }
      for (const x of h) topo.addLink(x, routers[rng.int(routers.length)], spec.access.bandwidth, spec.access.latency);
      return;
    }
    case "explicit": {
      for (const n of spec.nodes) topo.addNode(n.id, n.kind);
      for (const l of spec.links) topo.addLink(topo.node(l.a), topo.node(l.b), l.bandwidth, l.latency, l.duplex, undefined, l.fatpipe);
      return;
    }
    case "simgrid": {
      const file = resolve(baseDir, spec.file);
      let platform: SimgridPlatform;
      try {
        platform = SimgridPlatform.parse(readFileSync(file, "utf8"));
      } catch (e) {
        throw new Error(`platform.network.topology.file: ${file}: ${(e as Error).message}`);
      }
      return installSimgrid(topo, hosts, platform);
    }
    case "torus":
      return torus(topo, h, spec.dims, spec.wrap, spec, spec.access ?? spec);
  }
}

/** k pods of k/2 edge and k/2 aggregation switches, (k/2)^2 cores, k/2 hosts per edge. */
function fatTree(topo: Topology, hosts: number[], k: number, bw: number, lat: number): void {
  const half = k / 2;
  const capacity = (k * k * k) / 4;
  if (hosts.length > capacity) throw new Error(`network: a k=${k} fat-tree holds ${capacity} hosts, scenario has ${hosts.length}`);
  const cores = Array.from({ length: half * half }, (_, i) => topo.addNode(`core${i}`, "switch"));
  let next = 0;
  for (let p = 0; p < k; p++) {
    const aggs = Array.from({ length: half }, (_, i) => topo.addNode(`pod${p}.agg${i}`, "switch"));
    const edges = Array.from({ length: half }, (_, i) => topo.addNode(`pod${p}.edge${i}`, "switch"));
    aggs.forEach((agg, i) => {
      for (let j = 0; j < half; j++) topo.addLink(agg, cores[i * half + j], bw, lat);
      for (const e of edges) topo.addLink(e, agg, bw, lat);
    });
    for (const e of edges) for (let j = 0; j < half && next < hosts.length; j++) topo.addLink(hosts[next++], e, bw, lat);
  }
}

/**
 * Routers at the points of a dims[0] x dims[1] x ... grid, each linked to its neighbour one
 * step along every dimension, and across the ends when wrapped; host i hangs off point i
 * (first dimension fastest). A dimension of 2 gets one link even when wrapped.
 */
function torus(topo: Topology, hosts: number[], dims: number[], wrap: boolean, link: { bandwidth: number; latency: number }, access: { bandwidth: number; latency: number }): void {
  const size = dims.reduce((a, b) => a * b, 1);
  if (hosts.length > size) throw new Error(`network: a ${dims.join(" x ")} torus holds ${size} hosts, scenario has ${hosts.length}`);
  const at = Array.from({ length: size }, (_, i) => topo.addNode(`t${i}`, "router"));
  let stride = 1;
  for (const d of dims) {
    for (let i = 0; i < size; i++) {
      const c = Math.floor(i / stride) % d;
      if (c + 1 < d) topo.addLink(at[i], at[i + stride], link.bandwidth, link.latency);
      else if (wrap && d > 2) topo.addLink(at[i], at[i - c * stride], link.bandwidth, link.latency);
    }
    stride *= d;
  }
  hosts.forEach((x, i) => topo.addLink(x, at[i], access.bandwidth, access.latency));
}
