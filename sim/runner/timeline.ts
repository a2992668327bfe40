/**
 * What a run's timeline holds, gathered from the simulated world: VSched's dispatches per
 * host core (recorded as they happen, through a tap on the dispatch port), and after the run
 * the migrations and reservations per VM, the policies' reports and decisions, and the flows.
 */
import type { Simulation, Timeline } from "../kernel/index.js";
import type { World } from "../platform/index.js";
import type { Scenario } from "../scenario/index.js";
import type { AdaptLoop } from "../control/index.js";

import { timelineGroups as groups } from "../kernel/index.js";

export { DispatchTap } from "../kernel/index.js";

type Rows = Record<string, string | number>[];

function table(sim: Simulation, name: string): Rows {
  const t = sim.trace.all().find((x) => x.name === name);
  if (!t) return [];
  const [head, ...rows] = t.rows();
  return rows.map((r) => Object.fromEntries((head as string[]).map((h, i) => [h, r[i]])));
}

const finite = (x: number) => Number.isFinite(x);

/** Adds everything a finished run recorded elsewhere to the timeline, in time order per kind. */
export function gatherTimeline(timeline: Timeline, sim: Simulation, world: World, scenario: Scenario, loop?: AdaptLoop): void {
  for (const r of scenario.policies.vsched.reservations) {
    if (r.at <= sim.now) timeline.instant(groups.vms, r.vm, "reserve", r.at, { period_s: r.period, slice_s: r.slice, share: r.slice / r.period });
  }
  for (const m of world.migrations) {
    timeline.slice(groups.vms, m.vm, `migrate ${m.from} → ${m.to}`, m.start, m.end, { from: m.from, to: m.to, downtime_s: m.downtime_s, bytes: m.bytes, rounds: m.rounds });
  }
  for (const r of table(sim, "vttif.reports")) {
    timeline.instant(groups.policies, "VTTIF", `report: ${r.topology}`, Number(r.t), { topology: r.topology, confidence: Number(r.confidence), vms: Number(r.vms), edges: Number(r.edges), app: r.app });
  }
  for (const r of table(sim, "control")) {
    timeline.instant(groups.policies, "rate control", `${r.app}: period ${Number(r.period).toPrecision(3)} s`, Number(r.t), { app: r.app, target: Number(r.target), rate: Number(r.rate), utilization: Number(r.utilization), period_s: Number(r.period), note: r.note });
  }
  for (const d of loop?.decisions ?? []) {
    const args = {
      algorithm: d.algorithm,
      applied: d.applied,
      predicted_gain: d.gain,
      cost: d.cost,
      migrations: d.migrations,
      routes: d.routes,
      reason: d.reason,
      migration_estimate_s: d.migrationTime,
      rate_before: d.rateBefore,
      rate_after: d.rateAfter,
      ...(finite(d.rateBefore) && finite(d.rateAfter) && d.rateBefore > 0 ? { realised_gain: d.rateAfter / d.rateBefore - 1 } : {}),
    };
    // An instant: what the decision set in motion (migrations) is on the VMs' tracks.
    timeline.instant(groups.policies, "VADAPT", `${d.algorithm}: ${d.applied ? "applied" : "kept"}`, d.t, args);
  }
  for (const r of table(sim, "vreserve.log")) timeline.instant(groups.policies, "VRESERVE", `${r.event} ${r.a}–${r.b}`, Number(r.t), { demand: Number(r.demand), path_bandwidth: Number(r.path_bandwidth) });
  for (const f of table(sim, "flows")) {
    const end = Number(f.end);
    if (!finite(end)) continue;
    timeline.span(groups.flows, `${f.src} → ${f.dst}`, String(f.tag || "flow"), Number(f.start), end, { bytes: Number(f.bytes) });
  }
}
