import test from "ava";
import { runExperiment } from "../../sim/experiments/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import type { AdaptLoop } from "../../sim/control/index.js";
import { root } from "../helpers.js";

const scenario = (sets: string[]) => loadScenario(`${root}/scenarios/vadapt-wan.json`, { sets: ["policies.adapt.enabled=true", "duration=300", ...sets] });

function loopOf(sets: string[]) {
  const r = runScenario({ ...scenario(sets), experiment: undefined });
  return { r, loop: (r.models.get("adapt") as unknown as { loop: AdaptLoop }).loop };
}

test("the loop never migrates when the predicted gain is below the migration cost", (t) => {
  const { r, loop } = loopOf(["policies.adapt.migrationCostPerGB=1e15"]);
  t.true(loop.decisions.length > 3);
  for (const d of loop.decisions) {
    if (d.migrations > 0) t.true(d.gain > d.cost, `migrated at ${d.t} with gain ${d.gain} <= cost ${d.cost}`);
  }
  t.is(r.world.migrations.length, 0);
  t.true(loop.decisions.some((d) => d.cost > d.gain && !d.applied));
});

test("with migration affordable it moves VMs, logs predicted and realised effects, and beats no adaptation by 2x on all-to-all", (t) => {
  const { loop } = loopOf([]);
  const first = loop.decisions.find((d) => d.applied)!;
  t.truthy(first);
  t.true(first.migrations > 0 && first.gain > 0);
  t.true(Number.isFinite(first.rateBefore) && Number.isFinite(first.rateAfter));
  const out = runExperiment(loadScenario(`${root}/scenarios/vadapt-wan.json`, { sets: ['experiment.patterns=["all-to-all"]'] }));
  const m = out.summary.metrics["all-to-all"];
  t.true((m.migrate_speedup as number) >= 2, `speedup ${m.migrate_speedup}`);
  t.true((m.overlay_speedup as number) > 1.1, `overlay speedup ${m.overlay_speedup}`);
});
