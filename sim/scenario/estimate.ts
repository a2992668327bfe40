/**
 * The work a run will do, estimated from the scenario alone, so a run that would take hours
 * or exhaust memory (a 1 ns period over a day, a million-rank all-to-all) is refused up front
 * with the field to blame. Estimates are rough upper-end event counts, not predictions.
 */
import { workloadDefinition } from "../workload/registry.js";
import { limits } from "./limits.js";
import type { Scenario } from "./schema.js";
import { expandedHosts } from "./invariants.js";

interface Part {
  path: string;
  what: string;
  events: number;
}

/** Messages per superstep of each BSP pattern on n ranks. */
function patternMessages(pattern: string, n: number): number {
  switch (pattern) {
    case "all-to-all":
      return n * (n - 1);
    case "n-body":
      return n * (n - 1);
    case "mesh":
    case "torus":
      return 4 * n;
    case "tree":
      return 2 * (n - 1);
    default:
      return n;
  }
}

export function estimateParts(s: Scenario): Part[] {
  const parts: Part[] = [];
  const span = (start = 0) => Math.max(0, s.duration - start);
  const hostsBy = expandedHosts(s);
  const fastest = Math.max(...s.platform.hosts.map((h) => h.speed), 1);
  const maxCores = Math.max(...s.platform.hosts.map((h) => h.cores), 1);
  const minLatency = networkLatency(s);
  s.platform.hosts.forEach((h, i) => {
    const n = h.count ?? 1;
    // VSched acts on every tick of every core.
    if (h.scheduler === "vsched") parts.push({ path: `platform.hosts.${i}.tick`, what: `VSched ticks on ${n} host(s)`, events: (n * h.cores * s.duration) / h.tick });
    if (h.externalLoad?.kind === "ramp") parts.push({ path: `platform.hosts.${i}.externalLoad.steps`, what: "load ramp steps", events: n * h.externalLoad.steps });
  });
  s.policies.vsched.reservations.forEach((r, i) => parts.push({ path: `policies.vsched.reservations.${i}.period`, what: "reservation periods", events: (3 * span(r.at)) / r.period }));
  s.workloads.forEach((w, i) => {
    const p = `workloads.${i}`;
    switch (w.kind) {
      case "mm1":
        return parts.push({ path: `${p}.arrivalRate`, what: "M/M/c customers", events: 3 * w.arrivalRate * s.duration });
      case "phold":
        parts.push({ path: `${p}.lps`, what: "PHOLD events", events: (w.lps * w.init * s.duration) / (w.lookahead + w.meanDelay) });
        return parts.push({ path: `${p}.lps`, what: "PHOLD events queued at once", events: w.lps * w.init * 10 });
      case "bsp": {
        const n = w.vms.length;
        const seq = w.sequence ?? [{ pattern: w.pattern, supersteps: 1 }];
        const steps = seq.reduce((k, x) => k + x.supersteps, 0);
        const perRound = seq.reduce((k, x) => k + x.supersteps * (3 * patternMessages(x.pattern, n) + 2 * n), 0);
        // A superstep lasts at least its compute on the fastest core plus one network latency,
        // so "supersteps: 1e6" meaning "until the run ends" costs only what fits in the run.
        const minStep = w.computeOps / fastest + (w.messageBytes > 0 || seq.length > 0 ? minLatency : 0);
        const rounds = Math.min(w.supersteps, minStep > 0 ? Math.ceil(span(w.start) / (minStep * steps)) : Infinity);
        return parts.push({ path: `${p}.supersteps`, what: `BSP messages of ${n} ranks`, events: rounds * perRound });
      }
      case "interactive":
        return parts.push({ path: `${p}.thinkTime`, what: "interactive requests", events: (3 * span(w.start)) / (w.thinkTime + w.burstOps / fastest) });
      case "web": {
        // A closed system: each client waits out its think time and both tiers' work, and no
        // tier serves faster than the largest host can compute.
        const perClient = 1 / (w.thinkTime + (w.webOps + w.dbOps) / fastest);
        const tier = Math.max(w.webOps, w.dbOps) > 0 ? (maxCores * fastest) / Math.max(w.webOps, w.dbOps) : Infinity;
        return parts.push({ path: `${p}.clients`, what: "web requests", events: 12 * Math.min(w.clients * perClient, tier) * span(w.start) });
      }
      case "ping":
        return parts.push({ path: `${p}.interval`, what: "pings", events: (4 * span(w.start)) / w.interval });
      case "noise":
        return parts.push({ path: `${p}.rate`, what: "noise messages", events: 3 * w.rate * span(w.start) });
      default: {
        // A registered kind says what it costs, if it can.
        const x = w as { kind: string };
        const events = workloadDefinition(x.kind)?.events?.(x, s.duration);
        if (events !== undefined) parts.push({ path: p, what: `${x.kind} events`, events });
        return;
      }
    }
  });
  const hosts = hostsBy.size;
  const pol = s.policies;
  if (pol.vttif.enabled) parts.push({ path: "policies.vttif.interval", what: "VTTIF updates", events: (2 * hosts * s.duration) / pol.vttif.interval });
  if (pol.wren.enabled) parts.push({ path: "policies.wren.exportInterval", what: "Wren exports", events: s.duration / pol.wren.exportInterval });
  if (pol.adapt?.enabled) {
    const rounds = Math.max(0, s.duration - pol.adapt.firstAt) / pol.adapt.interval + 1;
    parts.push({ path: "policies.adapt.interval", what: "adaptation rounds", events: rounds * (pol.adapt.algorithm === "gh" ? 1000 : pol.adapt.annealing.iterations) });
  }
  if (pol.vreserve.enabled) parts.push({ path: "policies.vreserve.interval", what: "VRESERVE rounds", events: s.duration / pol.vreserve.interval });
  if (pol.control) parts.push({ path: "policies.control.interval", what: "rate control rounds", events: (pol.control.apps.length * s.duration) / pol.control.interval });
  return parts;
}

/** The smallest one-way latency any message crosses (0 when unknown). */
function networkLatency(s: Scenario): number {
  const t = s.platform.network.topology;
  switch (t.kind) {
    case "switch":
    case "fat-tree":
      return 2 * t.latency;
    case "two-sites":
      return 2 * t.lan.latency;
    case "random":
      return 2 * t.access.latency;
    case "torus":
      return 2 * (t.access ?? t).latency;
    case "simgrid":
      return 0;
    case "explicit":
      return t.links.length ? Math.min(...t.links.map((l) => l.latency)) : 0;
  }
}

/** One problem line when the estimated events exceed the limit, naming the largest part. */
export function workProblems(s: Scenario, maxEvents = limits.events): string[] {
  const parts = estimateParts(s);
  const total = parts.reduce((n, p) => n + p.events, 0);
  if (total <= maxEvents) return [];
  const worst = parts.reduce((a, b) => (b.events > a.events ? b : a));
  return [
    `${worst.path}: this run would process about ${fmt(total)} events (${worst.what}: ${fmt(worst.events)}), more than the limit of ${fmt(maxEvents)}; shorten the run or coarsen this field, or pass --max-events ${fmt(Math.ceil(total * 1.1))} if the run is meant`,
  ];
}

function fmt(x: number): string {
  return Number.isFinite(x) ? (x < 1e6 ? String(Math.round(x)) : x.toExponential(1).replace("e+", "e")) : "infinitely many";
}
