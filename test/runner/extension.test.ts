import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { registeredPolicies, runScenario, unregisterPolicy } from "../../sim/runner/index.js";
import { loadScenario, ScenarioError } from "../../sim/scenario/index.js";
import { root } from "../helpers.js";

const example = join(root, "examples", "share-sampler", "index.ts");

test.serial("the README's policy example is this file, verbatim", (t) => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  t.true(readme.includes(readFileSync(example, "utf8").trim()), "README.md quotes examples/share-sampler/index.ts whole");
});

test.serial("a registered policy runs from the scenario's policies.extensions: each reservation's share, sampled every period, is exactly slice/period", async (t) => {
  await import("../../examples/share-sampler/index.js");
  t.true(registeredPolicies().includes("share-sampler"));
  // live-vsched: p1 (100 ms, 30 ms) and p2 (100 ms, 20 ms), p3 (50 ms, 10 ms), all reserved at t = 0 on one core (EDF meets every deadline).
  const s = loadScenario(join(root, "scenarios", "live-vsched.json"), { sets: ['policies.extensions={"share-sampler":{"vms":["p1","p2","p3","batch"],"interval":0.1}}'] });
  const m = runScenario(s).summary.metrics["share-sampler"];
  for (const [vm, share] of [["p1", 0.3], ["p2", 0.2], ["p3", 0.2]] as const) {
    t.is(m[`${vm}.samples`], 100, vm);
    t.true(Math.abs((m[`${vm}.min_share`] as number) - share) < 1e-9 && Math.abs((m[`${vm}.max_share`] as number) - share) < 1e-9, `${vm}: ${m[`${vm}.min_share`]}..${m[`${vm}.max_share`]}`);
  }
  // The unreserved VM gets what is left: 1 - 0.7 of the core.
  t.true(Math.abs((m["batch.min_share"] as number) - 0.3) < 1e-9);
});

test.serial("a scenario naming an unregistered policy, or settings its schema refuses, fails with paths", (t) => {
  const bad = (ext: unknown) => loadScenario(join(root, "scenarios", "live-vsched.json"), { sets: [`policies.extensions=${JSON.stringify(ext)}`] });
  const e1 = t.throws(() => runScenario(bad({ "share-sampler": { vms: [], interval: -1 } })), { instanceOf: ScenarioError })!;
  t.deepEqual((e1 as ScenarioError).problems.map((p) => p.split(":")[0]).sort(), ["policies.extensions.share-sampler.interval", "policies.extensions.share-sampler.vms"]);
  t.true(unregisterPolicy("share-sampler"));
  const e2 = t.throws(() => runScenario(bad({ "share-sampler": { vms: ["p1"] } })), { instanceOf: ScenarioError })!;
  t.regex((e2 as ScenarioError).problems[0], /^policies\.extensions\.share-sampler: no policy "share-sampler" is registered/);
});
