import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runScenario } from "../../sim/runner/index.js";
import { parseScenario, ScenarioError, scenarioJsonSchema } from "../../sim/scenario/index.js";
import { unregisterWorkload, workloadKinds } from "../../sim/workload/index.js";
import { root } from "../helpers.js";

const example = join(root, "examples", "bursts", "index.ts");

const scenario = (w: Record<string, unknown>, host: Record<string, unknown> = {}, policies: Record<string, unknown> = {}) => ({
  name: "bursts",
  duration: 10,
  platform: { hosts: [{ id: "h", speed: 1e9, ...host }] },
  vms: [{ id: "v", host: "h" }],
  workloads: [{ kind: "bursts", id: "b", vm: "v", ...w }],
  policies,
});

const problems = (doc: unknown) => {
  try {
    parseScenario(doc);
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems;
    throw e;
  }
  return [];
};

test.serial("the README's workload example is this file, verbatim", (t) => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  t.true(readme.includes(readFileSync(example, "utf8").trim()), "README.md quotes examples/bursts/index.ts whole");
});

test.serial("before it is registered, a scenario naming the kind is refused with the known kinds", (t) => {
  const p = problems(scenario({ ops: 1e8, period: 1 }));
  t.true(p.some((x) => x.startsWith("workloads.0.kind") || x.startsWith("workloads.0")), p.join("\n"));
  t.false(workloadKinds().includes("bursts"));
});

test.serial("a registered workload runs from a scenario: burst times and misses as computed by hand", async (t) => {
  await import("../../examples/bursts/index.js");
  t.true(workloadKinds().includes("bursts"));
  // Alone on a 1e9 ops/s core: every burst of 2e8 ops takes 0.2 s; releases at 0..9 all finish.
  let m = runScenario(parseScenario(scenario({ ops: 2e8, period: 1 }))).summary.metrics.b as Record<string, number>;
  t.is(m.bursts, 10);
  t.is(m.missed, 0);
  t.true(Math.abs(m.mean_s - 0.2) < 1e-9 && Math.abs(m.max_s - 0.2) < 1e-9, `${m.mean_s} ${m.max_s}`);
  // 1.5 s bursts every second: the release at each odd second finds the previous burst running.
  m = runScenario(parseScenario(scenario({ ops: 1.5e9, period: 1 }))).summary.metrics.b as Record<string, number>;
  t.is(m.bursts, 5);
  t.true(m.missed >= 5 && m.missed <= 6, `${m.missed}`);
  t.true(Math.abs(m.mean_s - 1.5) < 1e-9);
  // Under VSched with (100 ms, 50 ms) from t = 0: the first burst's 0.2 s of CPU is four
  // slices, done at 0.35 s.
  m = runScenario(
    parseScenario({ ...scenario({ ops: 2e8, period: 1 }, { scheduler: "vsched", tick: 0.001 }, { vsched: { reservations: [{ vm: "v", period: 0.1, slice: 0.05 }] } }), duration: 1 }),
  ).summary.metrics.b as Record<string, number>;
  t.is(m.bursts, 1);
  t.true(Math.abs(m.mean_s - 0.35) < 1e-9, `${m.mean_s}`);
});

test.serial("a registered kind's fields are checked like a built-in's, with their paths", (t) => {
  const p = problems(scenario({ vm: "nope", ops: -1, period: 1, extra: 1 }));
  const paths = p.map((x) => x.split(":")[0]).sort();
  t.true(paths.includes("workloads.0.vm"), p.join("\n"));
  t.true(paths.includes("workloads.0.ops"), p.join("\n"));
  t.true(p.some((x) => x.includes("extra")), p.join("\n"));
});

test.serial("the JSON Schema includes the registered kind; unregistering removes it", (t) => {
  t.true(JSON.stringify(scenarioJsonSchema()).includes('"bursts"'));
  t.true(unregisterWorkload("bursts"));
  t.false(unregisterWorkload("batch"), "built-in kinds stay");
  t.false(JSON.stringify(scenarioJsonSchema()).includes('"bursts"'));
  t.true(problems(scenario({ ops: 1e8, period: 1 })).length > 0);
});
