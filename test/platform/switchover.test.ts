/**
 * Migration's `switchover`: a fixed cost of resuming on the target, added to the downtime.
 * The VM stays paused on the source until it has passed, then runs on the target.
 */
import test from "ava";
import fc from "fast-check";
import type { MigrationReport } from "../../sim/platform/index.js";
import { close, world } from "./world-helpers.js";

const B = 1e9, lat = 1e-4;

function migrateOnce(memory: number, dirtyRate: number, switchover: number) {
  const { sim, world: w } = world({
    platform: {
      hosts: [{ id: "h", count: 2 }],
      network: { topology: { kind: "switch", bandwidth: B, latency: lat } },
      // One pre-copy round, then stop and copy whatever it dirtied.
      migration: { downtimeBudget: 0, maxRounds: 1, switchover },
    },
    vms: [{ id: "vm", host: "h0", memory, dirtyRate }],
  });
  const vm = w.vm("vm");
  vm.compute(Infinity);
  let r: MigrationReport | undefined;
  w.migrate(vm, w.host("h1"), (x) => (r = x));
  return { sim, w, vm, report: () => r };
}

test("switchover is added to the downtime and the total, and the VM loses exactly that much CPU", (t) => {
  fc.assert(
    fc.property(fc.double({ min: 1e8, max: 4e9, noNaN: true }), fc.double({ min: 0, max: 5e8, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), (memory, dirtyRate, switchover) => {
      const { sim, vm, report } = migrateOnce(memory, dirtyRate, switchover);
      sim.run({ until: 100 });
      vm.settle();
      const round = 2 * lat + memory / B;
      const dirtied = Math.min(memory, dirtyRate * round);
      const down = 2 * lat + dirtied / B + switchover;
      const r = report();
      return !!r && close(r.downtime_s, down, 1e-9) && close(r.total_s, round + down, 1e-9) && close(r.end - r.start, round + down, 1e-9) && close(vm.cpuSeconds, 100 - down, 1e-9) && vm.host.id === "h1";
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test("during the switchover the VM is paused and still on the source; after it, it runs on the target", (t) => {
  const { sim, vm, w, report } = migrateOnce(1e9, 0, 2);
  // Pre-copy ends at 2 lat + 1 s; nothing was dirtied, so stop-and-copy takes 2 lat.
  const copied = 4 * lat + 1;
  sim.run({ until: copied + 1 });
  t.is(report(), undefined);
  t.is(vm.host.id, "h0");
  t.true(vm.isPaused);
  vm.settle();
  t.true(close(vm.cpuSeconds, 1 + 2 * lat));
  sim.run({ until: copied + 2 + 1 });
  t.is(vm.host.id, "h1");
  t.false(vm.isPaused);
  t.true(close(report()!.downtime_s, 2 * lat + 2));
  t.is(w.migrations.length, 1);
  t.true(close(w.host("h1").utilization() * sim.now, 1, 1e-6), "one second on the target so far");
});
