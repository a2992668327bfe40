/**
 * The platform of a run as plain data for its picture: nodes with their sites, links with
 * capacity and mean utilisation, the overlay's links, where each VM started and ended, and
 * the migrations in between.
 */
import type { Scenario } from "../scenario/index.js";
import type { World } from "../platform/index.js";
import type { PlatformPicture } from "../../analysis/topology.js";

export function platformPicture(world: World, scenario: Scenario): PlatformPicture {
  const topo = world.topo;
  const spec = scenario.platform.network.topology;
  const siteA = spec.kind === "two-sites" ? new Set(spec.siteA) : undefined;
  const stats = world.linkStats();
  const nodes = topo.nodes.map((id, i) => ({ id, kind: topo.kinds[i], site: siteA && topo.kinds[i] === "host" ? (siteA.has(id) ? "site A" : "site B") : undefined }));
  const links = topo.links.map((l) => ({
    a: topo.nodes[l.a],
    b: topo.nodes[l.b],
    bandwidth: l.bandwidth,
    // The busier direction: a link is as loaded as its busier half.
    utilization: Math.max(stats[l.fwd]?.utilization ?? 0, stats[l.rev]?.utilization ?? 0),
  }));
  const overlay: [string, string][] = [];
  for (const [host, d] of world.vnet.daemons) for (const other of d.links.keys()) if (host.id < other.id) overlay.push([host.id, other.id]);
  const apps = new Map<string, string>();
  for (const w of scenario.workloads) for (const vm of vmsOf(w)) if (!apps.has(vm)) apps.set(vm, w.id);
  return {
    title: scenario.name,
    nodes,
    links,
    overlay: overlay.sort(),
    vms: scenario.vms.map((v) => ({ id: v.id, app: apps.get(v.id), start: v.host, end: world.vms.get(v.id)?.host.id ?? v.host })),
    migrations: world.migrations.map((m) => ({ vm: m.vm, from: m.from, to: m.to, start: m.start, end: m.end })),
    apps: scenario.workloads.map((w) => w.id),
  };
}

function vmsOf(w: Scenario["workloads"][number]): string[] {
  const x = w as unknown as { vms?: string[]; vm?: string; client?: string; web?: string; db?: string };
  return [...(x.vms ?? []), ...[x.vm, x.client, x.web, x.db].filter((v): v is string => typeof v === "string")];
}
