/** Bad `policies.user` and `actions` are refused before a run, one `path: problem` line each. */
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseScenario, ScenarioError } from "../../sim/scenario/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { root } from "../helpers.js";

const base = JSON.parse(readFileSync(join(root, "scenarios", "user-button.json"), "utf8"));

function problems(patch: (d: any) => void): string[] {
  const doc = structuredClone(base);
  patch(doc);
  try {
    parseScenario(doc);
    return [];
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems;
    throw e;
  }
}

test("people must sit at a VSched VM and perceive its interactive workload", (t) => {
  t.deepEqual(problems(() => {}), []);
  t.deepEqual(problems((d) => (d.policies.user.users[0].vm = "nope")), ['policies.user.users.0.vm: no VM "nope"']);
  t.deepEqual(problems((d) => (d.policies.user.users[0].app = "b1")), ['policies.user.users.0.app: "b1" is a batch workload; a person perceives an interactive one']);
  t.deepEqual(problems((d) => (d.platform.hosts[0].scheduler = "fair")), ['policies.user.users.0.vm: "desktop" runs on host "h", which has no VSched scheduler to take its reservation']);
  t.deepEqual(problems((d) => d.policies.user.users.push({ ...d.policies.user.users[0] })), ['policies.user.users.1.id: "alice" names another user too']);
  t.deepEqual(problems((d) => (d.policies.user.users[0].comfort = { kind: "uniform", min: 0.2, max: 0.1 })), ["policies.user.users.0.comfort.max: 0.1 is below min 0.2"]);
  t.true(problems((d) => (d.policies.user.users[0].button = { factor: 1 }))[0].startsWith("policies.user.users.0.button.factor: "));
});

test("actions must name a VM or a button person and fall within the run", (t) => {
  t.deepEqual(problems((d) => (d.actions = [{ at: 700, kind: "reserve", vm: "desktop", period: 0.1, slice: 0.01 }])), ["actions.0.at: 700 s is after the run ends (600 s)"]);
  t.deepEqual(problems((d) => (d.actions = [{ at: 1, kind: "press", user: "bob" }])), ['actions.0.user: no person "bob" with a button in policies.user.users']);
  t.deepEqual(problems((d) => (d.actions = [{ at: 1, kind: "reserve", vm: "x", period: 0.1, slice: 0.01 }])), ['actions.0.vm: no VM "x"']);
});

test("a replayed press and reservation act at their times, recorded with admission's verdicts", (t) => {
  const doc = structuredClone(base);
  doc.duration = 60;
  doc.actions = [
    { at: 10, kind: "reserve", vm: "batch1", period: 0.1, slice: 0.099 },
    { at: 20, kind: "press", user: "alice" },
  ];
  const r = runScenario(parseScenario(doc));
  const rows = r.sim.trace.all().find((x) => x.name === "steering")!.rows();
  t.deepEqual(rows.slice(1).map((x) => [x[0], x[1], x[2], x[5]]), [[10, "reserve", "batch1", 0], [20, "press", "alice", 1]]);
  t.regex(String(rows[1][6]), /utilization .* > 1\.00/);
  const events = r.sim.trace.all().find((x) => x.name === "user.events")!.rows();
  t.true(events.some((e) => e[0] === 20 && e[2] === "press"));
  t.deepEqual(r.summary.metrics.steering, { actions: 2, refused: 1 });
});

test("live process VMs seat simulated people and replay actions; QEMU VMs replay actions but refuse people", async (t) => {
  const { liveProblems } = await import("../../sim/live/refuse.js");
  const doc = structuredClone(base);
  doc.actions = [{ at: 1, kind: "press", user: "alice" }];
  const p = liveProblems(parseScenario(doc));
  t.false(p.some((l) => l.startsWith("policies.user") || l.startsWith("actions")), p.join("\n"));
  const q = liveProblems(parseScenario({ ...doc, live: { vms: "qemu" } }));
  t.true(q.some((l) => l.startsWith('policies.user: live.vms "qemu"')));
  t.false(q.some((l) => l.startsWith("actions")), q.join("\n"));
});
