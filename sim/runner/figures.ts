/**
 * Figures drawn beside the runner (not inside the models) from what a run recorded: each BSP
 * application's superstep times against simulated time, with the moments VADAPT acted
 * marked, and each M/M/c queue's occupancy. Every application keeps one colour, its position among the scenario's workloads,
 * in all of a run's figures (the platform picture colours its VMs the same way).
 */
import { chart, type Mark } from "../../analysis/chart.js";
import { stepAverage } from "../../analysis/series.js";
import { colour } from "../../analysis/style.js";
import type { Simulation } from "../kernel/index.js";
import type { AdaptLoop, ControlRecord } from "../control/index.js";
import type { Scenario } from "../scenario/index.js";
import type { BspApp, Model } from "../workload/index.js";

export function appColour(scenario: Scenario, app: string): string {
  return colour(Math.max(0, scenario.workloads.findIndex((w) => w.id === app)));
}

export function runFigures(sim: Simulation, scenario: Scenario, models: Map<string, Model>, loop?: AdaptLoop): Record<string, string> {
  const out: Record<string, string> = {};
  const marks: Mark[] = (loop?.decisions ?? []).filter((d) => d.applied).map((d) => ({ at: d.t, label: `VADAPT (${d.algorithm}): ${d.migrations} migrations, ${d.routes} routes` }));
  for (const w of scenario.workloads) {
    if (w.kind === "mm1") {
      // Customers in the system, averaged over 400 equal bins: a long run stays a small figure.
      const occupancy = sim.trace.all().find((x) => x.name === `${w.id}.occupancy`);
      if (!occupancy) continue;
      const rho = w.arrivalRate / (w.servers * w.serviceRate);
      const points = stepAverage(occupancy.column("t") as Float64Array, occupancy.column("in_system") as Int32Array, 0, sim.now, 400);
      out[`${w.id}.occupancy`] = chart({
        title: `${w.id}: customers in system (M/M/${w.servers}, rho = ${rho.toFixed(2)})`,
        x: { label: "time (s)" },
        y: { label: `customers in system (mean over ${(sim.now / 400).toPrecision(3)} s)` },
        series: [{ name: "in system", points, kind: "step", colour: appColour(scenario, w.id), markers: false }],
      });
      continue;
    }
    if (w.kind !== "bsp") continue;
    const app = models.get(w.id) as BspApp | undefined;
    if (!app) continue;
    // Each superstep at the time it ended: adaptation shows where it happened in the run.
    const points = app.steps.filter((s) => Number.isFinite(s.end)).map((s) => [s.end, s.end - s.start] as [number, number]);
    const mine = loop && scenario.policies.adapt?.app === w.id ? marks : [];
    out[`${w.id}.supersteps`] = chart({
      title: `${w.id}: ${w.sequence ? "pattern sequence" : w.pattern} on ${w.vms.length} ranks`,
      x: { label: "simulated time at the superstep's end (s)" },
      y: { label: "superstep duration (s)" },
      series: [{ name: "superstep duration", points, kind: points.length > 60 ? "line" : "scatter", colour: appColour(scenario, w.id) }],
      marks: mine,
      markName: "VADAPT acted",
    });
  }
  return out;
}

/** The global rate controller's figure: each application's rate, target and utilization, one
 * colour per application and one dash per quantity; the same from a simulated or a live run. */
export function controlFigure(history: ReadonlyMap<string, ControlRecord[]>, scenario: Scenario, title: string, timeLabel: string): string {
  const series = [...history].flatMap(([app, h]) => {
    const c = appColour(scenario, app);
    return [
      { name: `${app} rate`, points: h.map((r) => [r.t, r.rate] as [number, number]), colour: c },
      { name: `${app} target`, points: h.map((r) => [r.t, r.target] as [number, number]), kind: "step" as const, colour: c, dash: "7 3", markers: false },
      { name: `${app} utilization`, points: h.map((r) => [r.t, r.utilization] as [number, number]), kind: "step" as const, colour: c, dash: "2 2", markers: false },
    ];
  });
  return chart({ title, x: { label: timeLabel }, y: { label: "fraction (rate: of dedicated; util.: of CPU)" }, series });
}
