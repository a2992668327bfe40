/**
 * The UUCS comfort study, simulated (Gupta et al., HPDC 2004): a population of people, each
 * with a comfort threshold on the response time of their own interactive work, runs every
 * testcase; the level borrowed when a person first finds the work too slow is recorded, and
 * its CDF drawn per resource. CPU is borrowed over the platform model (external load on the
 * person's host, in cores); the platform has no memory or disk, so those slow the person's
 * responses through the documented models in `memory` and `disk` instead.
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { chart } from "../../analysis/chart.js";
import { colour } from "../../analysis/style.js";
import { Rng } from "../kernel/index.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import { drawComfort } from "../user/comfort.js";
import { levelAt, type Testcase } from "../uucs/testcase.js";
import { Cells, result, variant, type ExperimentResult } from "./cells.js";
import type { UucsPopulationSpec } from "./schema.js";

type Row = { testcase: string; resource: string; person: number; comfort_ms: number; discomfort: number; level: number; at_s: number };

/** Slowdown of the person's responses at a borrowing level, for resources the platform lacks. */
export function slowdown(spec: UucsPopulationSpec, resource: Testcase["resource"], level: number): number {
  if (resource === "memory") {
    const over = Math.max(0, level + spec.memory.workingSet - spec.memory.physical);
    return 1 + (spec.memory.penalty * over) / spec.memory.workingSet;
  }
  if (resource === "disk") {
    const u = level / spec.disk.bandwidth;
    return u >= 1 ? Infinity : 1 - spec.disk.ioFraction + spec.disk.ioFraction / (1 - u);
  }
  return 1;
}

/** First time the mean of the last `window` responses (in completion order) exceeds `threshold`. */
export function firstDiscomfort(done: readonly [number, number][], window: number, threshold: number): number | undefined {
  let sum = 0;
  for (let i = 0; i < done.length; i++) {
    sum += done[i][1];
    if (i >= window) sum -= done[i - window][1];
    if (i + 1 >= window && sum / window > threshold) return done[i][0];
  }
  return undefined;
}

export function uucsPopulation(base: Scenario, spec: UucsPopulationSpec): ExperimentResult {
  const w = base.workloads.find((x) => x.id === spec.app);
  if (!w || w.kind !== "interactive") throw new ScenarioError([`experiment.app: "${spec.app}" is not an interactive workload`]);
  const host = base.vms.find((v) => v.id === w.vm)?.host;
  const hostIndex = base.platform.hosts.findIndex((h) => h.id === host);
  if (hostIndex < 0) throw new ScenarioError([`experiment.app: the VM of "${spec.app}" is on no host of the scenario`]);
  const cells = new Cells();
  const rows: Row[] = [];
  const comfort = Array.from({ length: spec.people }, (_, i) => drawComfort(spec.comfort, new Rng(`uucs.comfort.${i}`, base.seed)));
  spec.testcases.forEach((tc0, k) => {
    const tc = { ...tc0, $schema: undefined } as Testcase;
    for (let i = 0; i < spec.people; i++) {
      const r = cells.run(
        variant(base, [], (doc) => {
          doc.seed = base.seed + i;
          doc.duration = tc.duration;
          doc.outputs = { figures: false };
          if (tc.resource === "cpu") {
            const n = Math.floor(tc.duration / tc.interval);
            // Borrowed CPU as the host's external load: `threads` busy threads at the level's duty cycle.
            doc.platform.hosts[hostIndex].externalLoad = { kind: "steps", steps: Array.from({ length: n + 1 }, (_, j) => ({ at: j * tc.interval, level: levelAt(tc, j * tc.interval) * tc.threads })) };
          }
        }),
      );
      const table = r.sim.trace.all().find((t) => t.name === `${spec.app}.responses`);
      if (!table) throw new Error(`uucs-population: no ${spec.app}.responses table`);
      const done = table
        .rows()
        .slice(1)
        .map(([asked, response]) => {
          const end = Number(asked) + Number(response);
          return [end, Number(response) * slowdown(spec, tc.resource, levelAt(tc, end))] as [number, number];
        })
        .sort((a, b) => a[0] - b[0]);
      const at = firstDiscomfort(done, spec.window, comfort[i]);
      rows.push({ testcase: tc.name === "testcase" ? `${tc.resource}-${tc.profile}-${k}` : tc.name, resource: tc.resource, person: i, comfort_ms: comfort[i] * 1000, discomfort: at === undefined ? 0 : 1, level: at === undefined ? NaN : levelAt(tc, at) * (tc.resource === "cpu" ? tc.threads : 1), at_s: at ?? NaN });
    }
  });
  const files: Record<string, string> = { "uucs.csv": toCsv(recordsToRows(rows, ["testcase", "resource", "person", "comfort_ms", "discomfort", "level", "at_s"])) };
  const unit = { cpu: "cores borrowed", memory: "GB borrowed", disk: "MB/s written" } as const;
  const scale = { cpu: 1, memory: 2 ** -30, disk: 1e-6 } as const;
  const metrics: Record<string, number> = {};
  for (const resource of ["cpu", "memory", "disk"] as const) {
    const names = [...new Set(rows.filter((r) => r.resource === resource).map((r) => r.testcase))];
    if (!names.length) continue;
    const series = names.map((name, j) => {
      const mine = rows.filter((r) => r.testcase === name);
      const levels = mine.filter((r) => r.discomfort).map((r) => r.level * scale[resource]).sort((a, b) => a - b);
      metrics[`${name}.discomforted`] = levels.length / mine.length;
      metrics[`${name}.median_level`] = levels.length * 2 >= mine.length ? levels[Math.ceil(mine.length / 2) - 1] / scale[resource] : NaN;
      // Empirical CDF over the whole population: people never discomforted keep it below 1.
      const points: [number, number][] = [[0, 0], ...levels.map((l, q) => [l, (q + 1) / mine.length] as [number, number])];
      return { name, points, kind: "step" as const, colour: colour(j) };
    });
    files[`uucs_cdf_${resource}.svg`] = chart({ title: `UUCS, ${resource}: borrowing level at first discomfort`, x: { label: unit[resource] }, y: { label: "fraction of people discomforted" }, series });
  }
  return result(base, cells, { uucs: metrics }, files);
}
