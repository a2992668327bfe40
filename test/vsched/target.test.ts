/**
 * VSched drives a DispatchedCpu through per-VM targets bound once; a dispatch port without
 * targets is driven by VM name. The two must be indistinguishable: same periods, same CPU per
 * VM, same decisions, whatever the reservations, bursts of work and releases.
 */
import test from "ava";
import fc from "fast-check";
import { Simulation } from "../../sim/kernel/index.js";
import { DispatchedCpu, SimCpuControl, World } from "../../sim/platform/index.js";
import { schedulerFactories } from "../../sim/runner/policies.js";
import { parseScenario } from "../../sim/scenario/index.js";
import type { PeriodRecord, VSched } from "../../sim/vsched/index.js";

interface Case {
  tasks: { period: number; slice: number; work: number }[];
  releaseAt: number;
}

function simulate(c: Case, byName: boolean) {
  const scenario = parseScenario({
    name: "t",
    duration: 2,
    platform: { hosts: [{ id: "h", scheduler: "vsched", tick: 1e-3, dispatchOverhead: 1e-5 }] },
    vms: [...c.tasks.map((_, i) => ({ id: `rt${i}`, host: "h" })), { id: "batch", host: "h" }],
  });
  const sim = new Simulation(1);
  const world = new World(sim, scenario, { schedulers: schedulerFactories() });
  const cpu = world.host("h").scheduler as DispatchedCpu;
  // Without its `target`, the port is used by name only (as live backends are).
  if (byName) Object.defineProperty(cpu, "target", { value: undefined });
  const vsched = cpu.policy as VSched;
  const periods: PeriodRecord[] = [];
  vsched.onPeriod((p) => periods.push(p));
  const control = new SimCpuControl(world);
  // Work in bursts, so VMs go idle and wake (the runnable path), and the batch VM soaks up the rest.
  c.tasks.forEach((t, i) => {
    const vm = world.vms.get(`rt${i}`)!;
    const burst = () => vm.compute(t.work * 1e9 * 1e-3, () => sim.schedule(t.period / 2, burst));
    burst();
  });
  world.vms.get("batch")!.compute(Infinity);
  c.tasks.forEach((t, i) => control.reserve(`rt${i}`, { period: t.period, slice: t.slice }));
  sim.schedule(c.releaseAt, () => control.release("rt0"));
  sim.run({ until: 2 });
  const cpuOf = [...world.vms.values()].map((vm) => {
    vm.settle();
    return vm.cpuSeconds;
  });
  return { periods, cpuOf, dispatches: vsched.dispatches, switches: vsched.switches };
}

test("VSched through bound targets decides exactly as through the port's name-keyed calls", (t) => {
  const task = fc.record({
    period: fc.integer({ min: 2, max: 40 }).map((ms) => ms / 1000),
    slice: fc.integer({ min: 1, max: 10 }).map((ms) => ms / 1000),
    work: fc.integer({ min: 1, max: 20 }),
  });
  fc.assert(
    fc.property(fc.array(task, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 1900 }), (tasks, releaseMs) => {
      const c: Case = { tasks: tasks.map((x) => ({ ...x, slice: Math.min(x.slice, x.period / 2) })), releaseAt: releaseMs / 1000 };
      const bound = simulate(c, false), named = simulate(c, true);
      t.deepEqual(bound, named);
      return bound.dispatches > 0;
    }),
    { numRuns: 12 },
  );
});
