import test from "ava";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as api from "../../sim/index.js";
import { root } from "../helpers.js";

test("the package entry exports the kernel, ports' implementers, policies, scenarios, the runner and both registries", (t) => {
  for (const name of ["Simulation", "Process", "VSched", "RateController", "AdaptLoop", "Vttif", "Wren", "greedy", "exhaustive", "loadScenario", "parseScenario", "ScenarioError", "runScenario", "registerPolicy", "registerWorkload", "runLive"]) {
    t.truthy((api as Record<string, unknown>)[name], name);
  }
});

test("a program using only the entry runs a scenario: one batch VM alone computes at its core's speed", (t) => {
  const s = api.parseScenario({
    name: "api",
    duration: 2,
    platform: { hosts: [{ id: "h", speed: 5e8 }] },
    vms: [{ id: "v", host: "h" }],
    workloads: [{ kind: "batch", id: "w", vm: "v" }],
  });
  const m = api.runScenario(s).summary.metrics.w as Record<string, number>;
  t.true(Math.abs(m.ops - 1e9) < 1e-3, `${m.ops}`);
});

test("package.json maps the package name to the compiled entry, and a consumer importing it by name gets the API", async (t) => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  t.deepEqual(pkg.exports["."], { types: "./sim/index.ts", default: "./dist/sim/index.js" });
  // Build only if the build is not current: rebuilding under other running commands would pull
  // their modules away.
  const { buildIsCurrent } = (await import(pathToFileURL(join(root, "bin", "stamp.js")).href)) as { buildIsCurrent(root: string): boolean };
  if (!buildIsCurrent(root)) {
    const build = spawnSync(process.execPath, [join(root, "bin", "build.js"), "--quiet"], { cwd: root });
    t.is(build.status, 0, String(build.stderr));
  }
  // Self-reference: a module inside the package imports it by its name, as a dependent would.
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `const m = await import("${pkg.name}"); console.log(typeof m.runScenario, typeof m.registerWorkload, typeof m.Simulation);`], { cwd: root, encoding: "utf8" });
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trim(), "function function function");
});
