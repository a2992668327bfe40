/**
 * Static invariants the models rely on, checked on a scenario that has passed the schema
 * and reference checks: nothing here can be seen only once a run is under way. Paths are the
 * input document's (host templates not yet expanded). Errors refuse the scenario; warnings
 * are settings that are legal but probably not meant, printed on stderr.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { simgridProblems } from "../platform/network/simgrid/index.js";
import { MAX_SELFSIMILAR_SAMPLES } from "../platform/host/load.js";
import { quote } from "./limits.js";
import { userProblems } from "../user/check.js";
import { actionProblems, uucsProblems } from "../steer/check.js";
import type { Scenario } from "./schema.js";

export interface Findings {
  errors: string[];
  warnings: string[];
}

/** Host names after `count` expansion, with each host's path in the document. */
export function expandedHosts(s: Scenario): Map<string, { path: string; scheduler: string; cores: number }> {
  const out = new Map<string, { path: string; scheduler: string; cores: number }>();
  s.platform.hosts.forEach((h, i) => {
    const info = { path: `platform.hosts.${i}`, scheduler: h.scheduler, cores: h.cores };
    if (h.count === undefined) out.set(h.id, info);
    else for (let k = 0; k < h.count; k++) out.set(`${h.id}${k}`, info);
  });
  return out;
}

export function invariantProblems(s: Scenario, baseDir = "."): Findings {
  const f: Findings = { errors: [], warnings: [] };
  const hosts = expandedHosts(s);
  platform(s, hosts, baseDir, f);
  network(s, hosts, f);
  overlay(s, f);
  workloads(s, f);
  policies(s, hosts, f);
  f.errors.push(...userProblems(s, hosts), ...actionProblems(s), ...uucsProblems(s, hosts));
  if (s.experiment?.kind === "bsp-rate-variants" && s.duration / s.experiment.window > 1e6) f.errors.push(`experiment.window: ${s.experiment.window} s cuts the run into more than a million windows; at least ${s.duration / 1e6} s`);
  if (s.experiment && s.outputs.tables) f.errors.push("outputs.tables: an experiment writes its own tables; remove this field");
  if (s.experiment && !s.outputs.figures) f.errors.push("outputs.figures: an experiment always draws its figure; remove this field");
  return f;
}

function platform(s: Scenario, hosts: ReturnType<typeof expandedHosts>, baseDir: string, f: Findings): void {
  s.platform.hosts.forEach((h, i) => {
    const p = `platform.hosts.${i}`;
    if (h.overheadReserve >= h.uMax) f.errors.push(`${p}.overheadReserve: ${h.overheadReserve} leaves no admissible utilization under uMax ${h.uMax}`);
    if (h.scheduler === "vsched" && h.dispatchOverhead >= h.tick) f.warnings.push(`${p}.dispatchOverhead: ${h.dispatchOverhead} s is not shorter than the tick (${h.tick} s); each switch spans whole ticks`);
    const load = h.externalLoad;
    if (load?.kind === "ramp" && load.end < load.start) f.errors.push(`${p}.externalLoad.end: ${load.end} is before start ${load.start}`);
    if (load?.kind === "trace") traceFile(load.file, baseDir, `${p}.externalLoad.file`, f);
    if (load?.kind === "selfsimilar" && s.duration / load.interval + 1 > MAX_SELFSIMILAR_SAMPLES) f.errors.push(`${p}.externalLoad.interval: ${load.interval} s over a ${s.duration} s run draws more than ${MAX_SELFSIMILAR_SAMPLES} samples; use an interval of at least ${s.duration / (MAX_SELFSIMILAR_SAMPLES - 1)} s`);
  });
  const topo = s.platform.network.topology;
  if (topo.kind === "simgrid") f.errors.push(...simgridProblems(topo.file, baseDir, [...hosts.keys()], "platform.network.topology.file"));
  s.vms.forEach((v, i) => {
    const h = hosts.get(v.host);
    if (h && v.vcpus > h.cores) f.warnings.push(`vms.${i}.vcpus: ${v.vcpus} vCPUs on host ${quote(v.host)} with ${h.cores} cores; they share them`);
  });
}

/** A CSV of `t,level` rows (header optional): present, readable, finite, levels >= 0. */
function traceFile(file: string, baseDir: string, path: string, f: Findings): void {
  const full = isAbsolute(file) ? file : join(baseDir, file);
  if (!existsSync(full)) return void f.errors.push(`${path}: no such file ${quote(full)}`);
  const st = statSync(full);
  if (!st.isFile()) return void f.errors.push(`${path}: ${quote(full)} is not a file`);
  if (st.size > 64 * 1024 * 1024) return void f.errors.push(`${path}: ${quote(full)} is larger than 64 MB`);
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (err) {
    return void f.errors.push(`${path}: cannot read ${quote(full)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const lines = text.split(/\r?\n/);
  let rows = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const cells = line.split(",");
    const [t, v] = cells.map((c) => (c.trim() === "" ? NaN : Number(c)));
    const numeric = cells.length === 2 && Number.isFinite(t) && Number.isFinite(v);
    if (!numeric) {
      if (rows === 0 && i === lines.findIndex((l) => l.trim() !== "")) continue; // a header
      return void f.errors.push(`${path}: ${quote(file)} line ${i + 1}: expected "t,level" with two finite numbers`);
    }
    if (t < 0) return void f.errors.push(`${path}: ${quote(file)} line ${i + 1}: time ${t} is negative`);
    if (v < 0) return void f.errors.push(`${path}: ${quote(file)} line ${i + 1}: level ${v} is negative`);
    rows++;
  }
  if (rows === 0) f.errors.push(`${path}: ${quote(file)} has no "t,level" rows`);
}

function network(s: Scenario, hosts: ReturnType<typeof expandedHosts>, f: Findings): void {
  const n = s.platform.network, t = n.topology, p = "platform.network.topology";
  if (t.kind === "fat-tree") {
    const capacity = (t.k * t.k * t.k) / 4;
    if (hosts.size > capacity) f.errors.push(`${p}.k: a k=${t.k} fat-tree holds ${capacity} hosts; the scenario has ${hosts.size} (use k >= ${fatTreeK(hosts.size)})`);
  }
  if (t.kind === "random" && t.routers > 1 && t.routers * (t.routers - 1) * t.extraLinkProbability > 2e6) {
    f.errors.push(`${p}.routers: ${t.routers} routers with extraLinkProbability ${t.extraLinkProbability} make about ${Math.round((t.routers * (t.routers - 1) * t.extraLinkProbability) / 2)} links; at most 1e6`);
  }
  if (t.kind === "two-sites" && t.siteA.length > 0 && t.siteA.every((h) => hosts.has(h)) && new Set(t.siteA).size === hosts.size) {
    f.warnings.push(`${p}.siteA: every host is at site A; the WAN link carries nothing`);
  }
  const adj = new Map<string, Set<string>>();
  if (t.kind === "explicit") {
    const nodes = new Set(t.nodes.map((x) => x.id));
    const seenNodes = new Set<string>();
    t.nodes.forEach((x, i) => {
      if (hosts.has(x.id)) f.errors.push(`${p}.nodes.${i}.id: ${quote(x.id)} is also a host`);
      else if (seenNodes.has(x.id)) f.errors.push(`${p}.nodes.${i}.id: duplicate node ${quote(x.id)}`);
      seenNodes.add(x.id);
    });
    t.links.forEach((l, i) => {
      if (l.a === l.b) f.errors.push(`${p}.links.${i}: a link from ${quote(l.a)} to itself`);
      if (!(hosts.has(l.a) || nodes.has(l.a)) || !(hosts.has(l.b) || nodes.has(l.b))) return;
      for (const [x, y] of [[l.a, l.b], [l.b, l.a]]) {
        if (!adj.has(x)) adj.set(x, new Set());
        adj.get(x)!.add(y);
      }
    });
    // Every host must reach every other: VMs, the Proxy, aggregators, migrations and cross
    // traffic may put traffic between any two, and the first such message would fail.
    // Hosts do not forward, so two hosts are connected when they are linked directly or
    // touch the same component of switches and routers.
    const all = [...hosts.keys()];
    const comp = new Map<string, number>();
    let components = 0;
    for (const n of nodes) {
      if (comp.has(n)) continue;
      const id = components++;
      for (const x of reach(adj, n, hosts)) comp.set(x, id);
    }
    const touches = (h: string) => new Set([...(adj.get(h) ?? [])].filter((x) => !hosts.has(x)).map((x) => comp.get(x)!));
    const joined = (a: string, b: string, ta: Set<number>) => adj.get(a)?.has(b) || [...touches(b)].some((c) => ta.has(c));
    const pairs = all.length <= 400 ? all.flatMap((a, i) => all.slice(i + 1).map((b) => [a, b] as const)) : all.slice(1).map((b) => [all[0], b] as const);
    for (const [a, b] of pairs) {
      if (!joined(a, b, touches(a))) {
        f.errors.push(`${p}.links: no path from host ${quote(a)} to host ${quote(b)} (hosts do not forward; join them through a switch or router)`);
        break;
      }
    }
  }
  n.routes.forEach((r, i) => {
    const rp = `platform.network.routes.${i}`;
    if (r.from === r.to) f.errors.push(`${rp}.to: a route from ${quote(r.from)} to itself`);
    const hops = [r.from, ...r.via, r.to];
    if (new Set(hops).size !== hops.length) f.errors.push(`${rp}.via: the route visits a node twice`);
    else if (t.kind === "explicit") {
      for (let k = 0; k + 1 < hops.length; k++) {
        if (!adj.get(hops[k])?.has(hops[k + 1])) {
          f.errors.push(`${rp}.via: no link between ${quote(hops[k])} and ${quote(hops[k + 1])}`);
          break;
        }
      }
    }
  });
}

function fatTreeK(hosts: number): number {
  let k = 2;
  while ((k * k * k) / 4 < hosts) k += 2;
  return k;
}

/** Nodes reachable from `from` without crossing a host. */
function reach(adj: Map<string, Set<string>>, from: string, hosts: Map<string, unknown>): Set<string> {
  const seen = new Set([from]), todo = [from];
  while (todo.length) for (const y of adj.get(todo.pop()!) ?? []) if (!seen.has(y) && !hosts.has(y)) (seen.add(y), todo.push(y));
  return seen;
}

function overlay(s: Scenario, f: Findings): void {
  const o = s.platform.overlay, p = "platform.overlay";
  if (!o.enabled) {
    if (o.rules.length) f.errors.push(`${p}.rules: the overlay is disabled (platform.overlay.enabled is false), so no rule would ever apply`);
    if (o.links.length) f.errors.push(`${p}.links: the overlay is disabled (platform.overlay.enabled is false), so these links carry nothing`);
  }
  o.links.forEach((l, i) => l.a === l.b && f.errors.push(`${p}.links.${i}: an overlay link from ${quote(l.a)} to itself`));
  const links = new Set<string>();
  const link = (a: string, b: string) => links.add(`${a}\t${b}`).add(`${b}\t${a}`);
  if (o.mode === "star" && o.proxy !== undefined) for (const h of expandedHosts(s).keys()) if (h !== o.proxy) link(h, o.proxy);
  for (const l of o.links) link(l.a, l.b);
  const rules = new Map<string, string>();
  o.rules.forEach((r, i) => {
    if (r.at === r.next) f.errors.push(`${p}.rules.${i}.next: a rule at ${quote(r.at)} that forwards to itself`);
    if (r.src === r.dst) f.errors.push(`${p}.rules.${i}.dst: source and destination are the same VM`);
    const key = `${r.at}\t${r.src}\t${r.dst}`;
    if (rules.has(key)) f.errors.push(`${p}.rules.${i}: a second rule for ${r.src}->${r.dst} at ${quote(r.at)}`);
    rules.set(key, r.next);
  });
  if (!o.enabled || f.errors.length) return;
  // Follow each ruled pair from where its VMs start, as the daemons will.
  const where = new Map(s.vms.map((v) => [v.id, v.host]));
  const checked = new Set<string>();
  o.rules.forEach((r, i) => {
    const pair = `${r.src}\t${r.dst}`;
    const from = where.get(r.src), to = where.get(r.dst);
    if (checked.has(pair) || from === undefined || to === undefined) return;
    checked.add(pair);
    const path = [from];
    for (let at = from; at !== to; ) {
      const next = rules.get(`${at}\t${r.src}\t${r.dst}`) ?? (o.mode === "direct" || !o.proxy ? to : at === o.proxy ? to : o.proxy);
      if (o.mode === "star" && !links.has(`${at}\t${next}`)) {
        return void f.errors.push(`${p}.rules.${i}: ${r.src}->${r.dst} is forwarded from ${quote(at)} to ${quote(next)}, which have no overlay link between them (add one to platform.overlay.links)`);
      }
      if (path.includes(next)) return void f.errors.push(`${p}.rules.${i}: ${r.src}->${r.dst} loops: ${[...path, next].join(" -> ")}`);
      path.push(next);
      at = next;
    }
  });
}

function workloads(s: Scenario, f: Findings): void {
  const vmHost = new Map(s.vms.map((v) => [v.id, v.host]));
  s.workloads.forEach((w, i) => {
    const p = `workloads.${i}`;
    if ("start" in w && w.start >= s.duration) f.warnings.push(`${p}.start: ${w.start} s is not before the end of the run (${s.duration} s); the workload never runs`);
    switch (w.kind) {
      case "mm1":
        if (w.arrivalRate >= w.servers * w.serviceRate) f.warnings.push(`${p}.arrivalRate: ${w.arrivalRate} >= servers x serviceRate (${w.servers * w.serviceRate}); the queue is unstable and has no steady state`);
        if (w.warmup >= s.duration) f.errors.push(`${p}.warmup: ${w.warmup} s is not before the end of the run (${s.duration} s); nothing would be measured`);
        break;
      case "noise":
        if (new Set(w.vms).size !== w.vms.length) f.errors.push(`${p}.vms: a VM is listed twice`);
        break;
      case "cross":
        if (w.from === w.to) f.errors.push(`${p}.to: cross traffic from host ${quote(w.from)} to itself`);
        break;
      case "ping":
        if (w.src === w.dst) f.errors.push(`${p}.dst: a ping from VM ${quote(w.src)} to itself`);
        if (w.transport === "overlay" && !s.platform.overlay.enabled) f.errors.push(`${p}.transport: "overlay" needs platform.overlay.enabled; use "physical", or leave it out to follow the overlay setting`);
        break;
      case "web":
        if (w.web === w.db && vmHost.has(w.web)) f.warnings.push(`${p}.db: the web server and the database are the same VM`);
        break;
      case "bsp":
        if (new Set(w.vms).size !== w.vms.length) f.errors.push(`${p}.vms: a VM is listed twice; each rank needs its own VM`);
        break;
    }
  });
}

function policies(s: Scenario, hosts: ReturnType<typeof expandedHosts>, f: Findings): void {
  const pol = s.policies;
  const vmHost = new Map(s.vms.map((v) => [v.id, v.host]));
  const vsched = (vm: string) => hosts.get(vmHost.get(vm) ?? "")?.scheduler === "vsched";
  const migrating = pol.adapt?.enabled === true && pol.adapt.mode === "migrate";
  pol.vsched.reservations.forEach((r, i) => {
    const p = `policies.vsched.reservations.${i}`;
    if (r.slice > r.period) f.errors.push(`${p}.slice: ${r.slice} s is longer than the period (${r.period} s); a VM cannot get more than all of a core`);
    if (r.at >= s.duration) f.warnings.push(`${p}.at: ${r.at} s is not before the end of the run (${s.duration} s)`);
    if (vmHost.has(r.vm) && !vsched(r.vm) && !migrating) f.warnings.push(`${p}.vm: ${quote(r.vm)} runs on host ${quote(vmHost.get(r.vm))}, whose scheduler is not vsched; the reservation will be refused`);
  });
  const workloads = new Map(s.workloads.map((w) => [w.id, w]));
  pol.control?.apps.forEach((a, i) => {
    const p = `policies.control.apps.${i}`;
    if (pol.control!.apps.findIndex((x) => x.app === a.app) !== i) f.errors.push(`${p}.app: ${quote(a.app)} is already controlled by an earlier entry`);
    const w = workloads.get(a.app);
    if (!w) return; // reported as an unknown workload
    if (w.kind !== "bsp") return void f.errors.push(`${p}.app: ${quote(a.app)} is a ${w.kind} workload; the rate controller drives BSP applications`);
    const off = w.vms.filter((v) => vmHost.has(v) && !vsched(v));
    if (off.length) f.errors.push(`${p}.app: ranks ${off.slice(0, 5).join(", ")}${off.length > 5 ? ", ..." : ""} run on hosts without the vsched scheduler; the controller can only reserve CPU on vsched hosts`);
  });
  const overlayOn = s.platform.overlay.enabled;
  if (pol.vttif.enabled && !overlayOn) f.errors.push("policies.vttif.enabled: VTTIF reads the overlay daemons' counters, but platform.overlay.enabled is false");
  const a = pol.adapt;
  if (a?.enabled) {
    if (!pol.vttif.enabled) f.errors.push("policies.adapt.enabled: the adaptation loop needs policies.vttif.enabled (its traffic input)");
    if (!pol.wren.enabled) f.errors.push("policies.adapt.enabled: the adaptation loop needs policies.wren.enabled (its bandwidth input)");
    if (a.vms.length > a.hosts.length * a.slots) f.errors.push(`policies.adapt.slots: ${a.vms.length} VMs cannot fit on ${a.hosts.length} hosts at ${a.slots} per host`);
    const allowed = new Set(a.hosts);
    a.vms.forEach((v, i) => {
      const h = vmHost.get(v);
      if (h !== undefined && !allowed.has(h)) f.errors.push(`policies.adapt.vms.${i}: ${quote(v)} starts on host ${quote(h)}, which is not in policies.adapt.hosts`);
    });
    if (new Set(a.vms).size !== a.vms.length) f.errors.push("policies.adapt.vms: a VM is listed twice");
    if (new Set(a.hosts).size !== a.hosts.length) f.errors.push("policies.adapt.hosts: a host is listed twice");
    if (a.firstAt >= s.duration) f.warnings.push(`policies.adapt.firstAt: ${a.firstAt} s is not before the end of the run (${s.duration} s); the loop never acts`);
  }
  if (pol.vreserve.enabled) {
    if (!pol.vttif.enabled) f.errors.push("policies.vreserve.enabled: VRESERVE needs policies.vttif.enabled (its traffic input)");
    if (!pol.wren.enabled) f.errors.push("policies.vreserve.enabled: VRESERVE needs policies.wren.enabled (its path bandwidth input)");
  }
}
