import test from "ava";
import { readFileSync } from "node:fs";
import { runScenario } from "../../sim/runner/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import { root } from "../helpers.js";

function scenario(targets: Record<string, number>, extra: string[] = []) {
  const doc = JSON.parse(readFileSync(`${root}/scenarios/control-targets.json`, "utf8"));
  for (const a of doc.policies.control.apps) a.targets = [{ at: 0, rate: targets[a.app] }];
  return parseScenario(doc, { sets: ["duration=80", ...extra] });
}

test("the controller converges to within 5% of reachable targets on every application", (t) => {
  const targets = { A: 0.35, B: 0.15, C: 0.25 };
  const m = runScenario(scenario(targets)).summary.metrics.control;
  for (const [app, target] of Object.entries(targets)) {
    const rate = m[`${app}.rate`] as number;
    t.true(Math.abs(rate - target) <= 0.05 * target, `${app}: ${rate} vs ${target}`);
    t.true(m[`${app}.reachable`] as boolean);
  }
});

test("a target the hosts cannot give is reported as unreachable", (t) => {
  // 0.7 + 0.5 + 0.1 of each core cannot all be reserved.
  const m = runScenario(scenario({ A: 0.7, B: 0.5, C: 0.1 })).summary.metrics.control;
  t.false(m["B.reachable"] as boolean);
  t.true(m["A.reachable"] as boolean);
  t.true(Math.abs((m["A.rate"] as number) - 0.7) <= 0.05 * 0.7);
});
