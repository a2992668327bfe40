/**
 * Figures drawn beside the runner (not inside the models) from what a run recorded: each BSP
 * application's superstep times against simulated time, with the moments VADAPT acted
 * marked. Every application keeps one colour, its position among the scenario's workloads,
 * in all of a run's figures (the platform picture colours its VMs the same way).
 */
import { chart, type Mark } from "../../analysis/chart.js";
import { colour } from "../../analysis/style.js";
import type { AdaptLoop } from "../control/index.js";
import type { Scenario } from "../scenario/index.js";
import type { BspApp, Model } from "../workload/index.js";

export function appColour(scenario: Scenario, app: string): string {
  return colour(Math.max(0, scenario.workloads.findIndex((w) => w.id === app)));
}

export function runFigures(scenario: Scenario, models: Map<string, Model>, loop?: AdaptLoop): Record<string, string> {
  const out: Record<string, string> = {};
  const marks: Mark[] = (loop?.decisions ?? []).filter((d) => d.applied).map((d) => ({ at: d.t, label: `VADAPT (${d.algorithm}): ${d.migrations} migrations, ${d.routes} routes` }));
  for (const w of scenario.workloads) {
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
