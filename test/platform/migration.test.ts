import test from "ava";
import fc from "fast-check";
import type { MigrationReport } from "../../sim/platform/index.js";
import { close, world } from "./world-helpers.js";

/** The pre-copy recurrence for a VM computing flat out: V0 = M, T_i = L + V_i / B, V_{i+1} = D T_i. */
function precopy(M: number, D: number, B: number, L: number, budget: number, maxRounds: number) {
  let v = M, total = 0, bytes = 0, rounds = 0;
  for (;;) {
    const t = L + v / B;
    total += t;
    bytes += v;
    rounds++;
    const next = Math.min(M, D * t);
    if (L + next / B <= budget || rounds >= maxRounds) {
      const down = L + next / B;
      return { total: total + down, downtime: down, bytes: bytes + next, rounds: rounds + 1 };
    }
    v = next;
  }
}

test("migration time, downtime and bytes match the pre-copy formula for a constant dirty rate", (t) => {
  fc.assert(
    fc.property(
      fc.double({ min: 1e8, max: 8e9, noNaN: true }),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      fc.double({ min: 0.005, max: 0.3, noNaN: true }),
      fc.integer({ min: 1, max: 30 }),
      (memory, dirtyFraction, budget, maxRounds) => {
        const B = 1e9, lat = 5e-5;
        const D = dirtyFraction * B;
        const { sim, world: w } = world({
          platform: {
            hosts: [{ id: "h", count: 2 }],
            network: { topology: { kind: "switch", bandwidth: B, latency: lat } },
            migration: { downtimeBudget: budget, maxRounds },
          },
          vms: [{ id: "vm", host: "h0", memory, dirtyRate: D }],
        });
        w.vm("vm").compute(Infinity);
        let r: MigrationReport | undefined;
        w.migrate(w.vm("vm"), w.host("h1"), (x) => (r = x));
        sim.run({ until: 1e4 });
        const want = precopy(memory, D, B, 2 * lat, budget, maxRounds);
        return !!r && r.to === "h1" && w.vm("vm").host.id === "h1" && close(r.total_s, want.total, 1e-9) && close(r.downtime_s, want.downtime, 1e-9) && close(r.bytes, want.bytes, 1e-9) && r.rounds === want.rounds;
      },
    ),
    { numRuns: 60 },
  );
  t.pass();
});

test("the VM computes during pre-copy, not during stop-and-copy, and goes on after", (t) => {
  const { sim, world: w } = world({
    platform: { hosts: [{ id: "h", count: 2 }], network: { topology: { kind: "switch", bandwidth: 1e9, latency: 0 } }, migration: { downtimeBudget: 1e-3, maxRounds: 1 } },
    vms: [{ id: "vm", host: "h0", memory: 1e9, dirtyRate: 1e8 }],
  });
  const vm = w.vm("vm");
  vm.compute(Infinity);
  let r: MigrationReport | undefined;
  w.migrate(vm, w.host("h1"), (x) => (r = x));
  sim.run({ until: 5 });
  vm.settle();
  // 1 s of pre-copy, 0.1 s paused copying 1e8 dirtied bytes, then running on h1.
  t.true(close(r!.downtime_s, 0.1));
  t.true(close(vm.cpuSeconds, 5 - 0.1));
});
