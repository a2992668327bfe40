import test from "ava";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { liveProblems } from "../../sim/live/refuse.js";
import { loadScenario, parseScenario, ScenarioError } from "../../sim/scenario/index.js";
import { cli, root, tempDir, writeJson } from "../helpers.js";

/** Refused before anything starts: exit 2, the field named, no output folder, and no root needed. */
function refused(t: import("ava").ExecutionContext, file: string, field: string): void {
  const out = join(tempDir(), "out");
  const r = cli("live", file, "--backend", "deadline", "--out", out);
  t.is(r.code, 2, r.stderr);
  t.true(r.stderr.split("\n").some((l) => l.startsWith(`${field}: `)), r.stderr);
  t.false(existsSync(out));
}

test("live refuses the rate controller instead of running without it", (t) => refused(t, "scenarios/control-targets.json", "policies.control"));

const rank = {
  name: "rank-reserved",
  duration: 2,
  platform: { hosts: [{ id: "h", scheduler: "vsched" }] },
  vms: [{ id: "r0", host: "h" }, { id: "r1", host: "h" }],
  workloads: [{ kind: "bsp", id: "app", vms: ["r0", "r1"], pattern: "ring", computeOps: 1e6, messageBytes: 1000, supersteps: 10 }],
  policies: { vsched: { reservations: [{ vm: "r0", period: 0.1, slice: 0.02 }] } },
};

test("live refuses a reservation on a BSP rank, naming the reservation", (t) => {
  t.deepEqual(liveProblems(parseScenario(rank)), ['policies.vsched.reservations.0.vm: "r0" runs no batch or interactive workload; live mode reserves CPU only for their processes']);
});

test("live QEMU VMs refuse BSP patterns whose ranks may run ahead and multi-vCPU reserved VMs, all problems at once", (t) => {
  const doc = { ...rank, vms: [{ id: "r0", host: "h", vcpus: 2 }, { id: "r1", host: "h" }], workloads: [{ ...rank.workloads[0], pattern: "broadcast" }], live: { vms: "qemu" } };
  const file = writeJson(tempDir(), "a.json", doc);
  refused(t, file, "workloads.0.pattern");
  t.deepEqual(liveProblems(parseScenario(doc)).map((l) => l.slice(0, l.indexOf(":"))), ["workloads.0.pattern", "vms.0.vcpus"]);
  // A ring runs in the guests; a sequence names the pattern it cannot run.
  t.deepEqual(liveProblems(parseScenario({ ...doc, vms: rank.vms, workloads: rank.workloads, policies: {} })), []);
  const seq = { ...rank.workloads[0], sequence: [{ pattern: "ring", supersteps: 2 }, { pattern: "pipeline", supersteps: 1 }] };
  t.deepEqual(liveProblems(parseScenario({ ...doc, vms: rank.vms, workloads: [seq], policies: {} })).map((l) => l.slice(0, l.indexOf(":"))), ["workloads.0.sequence.1.pattern"]);
});

test("live QEMU VMs run the rate controller, but not beside a fixed reservation on one of its ranks", (t) => {
  const doc = { ...rank, live: { vms: "qemu" }, policies: { ...rank.policies, control: { apps: [{ app: "app", dedicatedRate: 10, targets: [{ rate: 0.3 }] }] } } };
  t.deepEqual(liveProblems(parseScenario(doc)).map((l) => l.slice(0, l.indexOf(":"))), ["policies.vsched.reservations.0.vm"]);
  t.deepEqual(liveProblems(parseScenario({ ...doc, policies: { control: doc.policies.control } })), []);
});

test("live.vms must be process or qemu", (t) => {
  const err = t.throws(() => parseScenario({ ...rank, live: { vms: "xen" } }), { instanceOf: ScenarioError });
  t.true(err!.problems.some((p) => p.startsWith("live.vms: ")), err!.message);
});

/** Follows a `a.b.0.c` path into a document. */
function resolve(doc: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), doc);
}

test("every refusal, over every bundled scenario, names a field the scenario has", (t) => {
  let refusals = 0;
  for (const f of readdirSync(join(root, "scenarios")).filter((n) => n.endsWith(".json") && n !== "scenario.schema.json")) {
    let s;
    try {
      s = loadScenario(join(root, "scenarios", f));
    } catch {
      continue; // Not a plain scenario (a fragment or a sweep file).
    }
    for (const line of liveProblems(s)) {
      refusals++;
      const path = line.slice(0, line.indexOf(": "));
      t.not(resolve(s, path), undefined, `${f}: ${line}`);
    }
  }
  t.true(refusals > 0);
  t.deepEqual(liveProblems(loadScenario(join(root, "scenarios/live-vms.json"))), []);
  t.deepEqual(liveProblems(loadScenario(join(root, "scenarios/live-vsched.json"))), []);
  t.deepEqual(liveProblems(loadScenario(join(root, "scenarios/live-vttif.json"))), []);
});
