/**
 * A population of simulated people at an interactive VM (Grid 2004, VTDC 2006; Lin 2007):
 * each draws a comfort threshold and steers with the button or the joystick. What each gives
 * away (the CPU the VM does not get, time-averaged over the second half of the run) is
 * plotted against their threshold, beside the reference from fixed reservations: the most
 * a person with that threshold could give away with a mean response time within it.
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { chart } from "../../analysis/chart.js";
import { colour } from "../../analysis/style.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import { Cells, result, variant, type ExperimentResult } from "./cells.js";
import type { UserPopulationSpec } from "./schema.js";

export function userPopulation(base: Scenario, spec: UserPopulationSpec): ExperimentResult {
  const person = base.policies.user?.users.find((u) => u.id === spec.user);
  if (!person) throw new ScenarioError([`experiment.user: no person "${spec.user}" in policies.user.users`]);
  const cells = new Cells();
  const files: Record<string, string> = {};
  const rows: { control: string; person: number; comfort_ms: number; presses: number; given_away: number; comfortable: number }[] = [];
  for (const control of spec.controls) {
    for (let i = 0; i < spec.people; i++) {
      const r = cells.run(
        variant(base, [], (doc) => {
          doc.seed = base.seed + i;
          doc.policies.user.users = [{ ...person, control }];
        }),
      );
      const m = r.summary.metrics.user;
      rows.push({ control, person: i, comfort_ms: (m[`${spec.user}.comfort_s`] as number) * 1000, presses: m[`${spec.user}.presses`] as number, given_away: m[`${spec.user}.given_away_late`] as number, comfortable: m[`${spec.user}.comfortable`] as number });
      // The first person's own run: reserved share and response time against presses.
      if (i === 0) for (const [name, svg] of Object.entries(r.models.get("user")?.figures?.() ?? {})) files[`${control}.${name}.svg`] = svg;
    }
  }
  // Reference: mean response time at fixed reserved shares, no person in the loop.
  const fixed = spec.shares.map((share) => {
    const r = cells.run(
      variant(base, [], (doc) => {
        delete doc.policies.user;
        doc.policies.vsched.reservations = [{ vm: person.vm, period: person.button.period, slice: share * person.button.period, at: 0 }];
      }),
    );
    const rejected = r.summary.metrics.vsched?.[`${person.vm}.rejected`];
    if (rejected) throw new ScenarioError([`experiment.shares: ${share} of ${person.vm} is refused by admission control: ${rejected}`]);
    return { share, mean_response_ms: (r.summary.metrics[person.app].mean_response_s as number) * 1000 };
  });
  const thresholds = [...new Set(rows.map((r) => r.comfort_ms))].sort((a, b) => a - b);
  const reference = thresholds.map((ms) => [ms, 1 - Math.min(...fixed.filter((f) => f.mean_response_ms <= ms).map((f) => f.share), 1)] as [number, number]);
  files["user_population.csv"] = toCsv(recordsToRows(rows, ["control", "person", "comfort_ms", "presses", "given_away", "comfortable"]));
  files["user_fixed.csv"] = toCsv(recordsToRows(fixed, ["share", "mean_response_ms"]));
  files["user_cost.svg"] = chart({
    title: "CPU given away against comfort, over a population of simulated people",
    x: { label: "comfort threshold (ms)", log: true },
    y: { label: "CPU given away (share of a core, second half)" },
    series: [
      ...spec.controls.map((c, k) => ({ name: c, kind: "scatter" as const, colour: colour(k), points: rows.filter((r) => r.control === c).map((r) => [r.comfort_ms, r.given_away] as [number, number]) })),
      { name: "fixed reservation: most with mean response within it", kind: "step" as const, colour: "#555", dash: "6 3", markers: false, points: reference },
    ],
  });
  const metrics: Record<string, number> = {};
  for (const c of spec.controls) {
    const mine = rows.filter((r) => r.control === c);
    metrics[`${c}.people`] = mine.length;
    metrics[`${c}.mean_given_away`] = mine.reduce((s, r) => s + r.given_away, 0) / mine.length;
    metrics[`${c}.mean_comfortable`] = mine.reduce((s, r) => s + r.comfortable, 0) / mine.length;
    metrics[`${c}.mean_presses`] = mine.reduce((s, r) => s + r.presses, 0) / mine.length;
  }
  return result(base, cells, { population: metrics }, files);
}
