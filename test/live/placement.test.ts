import test from "ava";
import type { Admission } from "../../sim/ports/index.js";
import type { Journal } from "../../sim/live/journal.js";
import { LivePlacement, type Following } from "../../sim/live/vm/placement.js";
import type { QemuVm } from "../../sim/live/vm/qemu.js";

/** A backend whose admission at the destination says no, recording what was asked of it. */
function refusing(reason: string): Following & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: "deadline",
    calls,
    admitMove: (vm: string): Admission => (calls.push(`admit ${vm}`), { admitted: false, reason }),
    follow: (vm: string) => (calls.push(`follow ${vm}`), undefined),
    check: (vm: string) => void calls.push(`check ${vm}`),
  } as unknown as Following & { calls: string[] };
}

/** A VM that fails the test if a migration touches it. */
const untouchable = new Proxy({}, { get: (_, k) => { throw new Error(`the VM was used (${String(k)})`); } }) as QemuVm;

test("live placement: admission at the destination comes first; a refused VM stays where it is and no QEMU process starts", async (t) => {
  const backend = refusing("utilization 1.10 would exceed 0.95");
  const p = new LivePlacement({ vms: new Map([["vm1", untouchable]]), hosts: new Map([["vm1", "h1"]]), memory: new Map([["vm1", 2 ** 27]]), backend, journal: {} as Journal, now: () => 7 });
  let done = false;
  p.migrate("vm1", "h2", () => (done = true));
  await p.settled();
  t.deepEqual(backend.calls, ["admit vm1"]);
  t.false(done, "onDone runs only for a completed migration");
  t.is(p.where("vm1"), "h1");
  t.deepEqual(p.started, []);
  t.is(p.migrations.length, 1);
  const m = p.migrations[0];
  t.like(m, { vm: "vm1", from: "h1", to: "h2", status: "failed", start: 7, end: 7 });
  t.regex(m.reason!, /not admitted at h2: utilization 1\.10/);
  t.true([m.total_s, m.downtime_s, m.bytes].every(Number.isNaN), "no numbers for a migration that did not happen");
  t.is(p.memory("vm1"), 2 ** 27);
});

test("live placement: a migration to the host the VM is on is a failure, not a move", async (t) => {
  const backend = refusing("unused");
  const p = new LivePlacement({ vms: new Map([["vm1", untouchable]]), hosts: new Map([["vm1", "h1"]]), memory: new Map(), backend, journal: {} as Journal, now: () => 0 });
  p.migrate("vm1", "h1");
  await p.settled();
  t.deepEqual(backend.calls, []);
  t.like(p.migrations[0], { status: "failed", reason: "already on h1" });
  t.throws(() => p.where("vm9"), { message: /no VM vm9/ });
});
