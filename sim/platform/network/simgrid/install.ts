/**
 * Puts a SimGrid platform's links into a Topology as resources (a split-duplex link is two,
 * one per direction; shared and fat-pipe links are one) and answers routes from the
 * platform's own routing, so flows cross exactly the links SimGrid's would.
 */
import type { Route } from "../routing.js";
import type { Topology } from "../topology.js";
import type { SimgridPlatform } from "./platform.js";

export type RouteProvider = (from: number, to: number) => Route;

/** The scenario's hosts must be hosts of the platform; returns the route provider. */
export function installSimgrid(topo: Topology, hosts: readonly string[], platform: SimgridPlatform): RouteProvider {
  const known = new Set(platform.hosts.map((h) => h.id));
  for (const h of hosts) if (!known.has(h)) throw new Error(`network: host "${h}" is not in the SimGrid platform`);
  const resource = new Map<string, number>();
  for (const l of platform.links.values()) {
    if (l.sharing === "SPLITDUPLEX") {
      resource.set(`${l.id}\tUP`, topo.addResource(l.bandwidth, `${l.id}_UP`, 1));
      resource.set(`${l.id}\tDOWN`, topo.addResource(l.bandwidth, `${l.id}_DOWN`, 1));
    } else {
      resource.set(`${l.id}\tNONE`, topo.addResource(l.bandwidth, l.id, l.sharing === "FATPIPE" ? 3 : 1));
    }
  }
  return (from, to) => {
    const r = platform.route(topo.nodes[from], topo.nodes[to]);
    const resources = Int32Array.from(r.links.map((u) => {
      const res = resource.get(`${u.link}\t${u.direction}`);
      if (res === undefined) throw new Error(`network: SimGrid link ${u.link} has no direction ${u.direction}`);
      return res;
    }));
    return { resources, latency: r.latency, nodes: [from, to] };
  };
}
