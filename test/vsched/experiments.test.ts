import test from "ava";
import { runExperiment } from "../../sim/experiments/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import { csvRecords, root } from "../helpers.js";

const rows = (csv: string) => csvRecords(csv).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)])));

test("miss grid: ~0 misses inside the feasible region, ~1 beyond the utilization or resolution limit", (t) => {
  const s = loadScenario(`${root}/scenarios/vsched-miss-grid.json`, {
    sets: ['experiment.sliceFractions=[0.1,0.5,0.9,1]', 'experiment.periods={"min":0.001,"max":10,"count":5}', "experiment.periodsPerCell=30", "experiment.minCellSeconds=1"],
  });
  const out = runExperiment(s).stage("/nonexistent");
  t.regex(out.files.get("miss_grid.linux-2.4.svg")!, /^<svg/);
  const grid = rows(out.files.get("miss_grid.csv")!);
  const profiles = Object.fromEntries(s.experiment!.kind === "vsched-miss-grid" ? s.experiment!.profiles.map((p) => [p.name, p]) : []);
  let inside = 0, beyond = 0;
  for (const r of grid) {
    const p = profiles[r.profile as string];
    const period = r.period_s as number, slice = r.slice_s as number, miss = r.miss_rate as number;
    if (period >= p.tick && slice + p.tick + p.dispatchOverhead <= period) {
      t.true(miss < 0.01, `feasible ${r.profile} ${period}/${slice}: ${miss}`);
      inside++;
    } else if (period < p.tick) {
      // Beyond the resolution limit the dispatcher sees tick/period releases at once; per tick at
      // most two jobs can meet: one prepaid by the charged run-on, one due after the next tick
      // (and the very first job, 1/124 of this cell).
      t.true(miss >= 1 - (2 * period) / p.tick - 0.02, `beyond ${r.profile} ${period}/${slice}: ${miss}`);
      beyond++;
    } else if (slice + p.dispatchOverhead > period) {
      t.true(miss > 0.9, `beyond ${r.profile} ${period}/${slice}: ${miss}`);
      beyond++;
    }
  }
  t.true(inside > 10 && beyond > 5);
});

test("BSP under external load: fair sharing drops and jitters, the same reservation everywhere holds", (t) => {
  const s = loadScenario(`${root}/scenarios/vsched-bsp-imbalance.json`, { sets: ["duration=120"] });
  const m = runExperiment(s).summary.metrics;
  const fair = m["fair sharing"], vs = m["VSched 20 ms / 10 ms"];
  // Before the load both run at the rate of one rank's compute share; after it only VSched keeps it.
  t.true((vs.mean_rate as number) > 1.4 * (fair.mean_rate as number), `${vs.mean_rate} vs ${fair.mean_rate}`);
  t.true((vs.rate_cv as number) <= (fair.rate_cv as number));
});
