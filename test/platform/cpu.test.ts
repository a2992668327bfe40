import test from "ava";
import fc from "fast-check";
import { close, world } from "./world-helpers.js";

const hostWith = (cores: number, vms: { vcpus?: number }[], extra: Record<string, unknown> = {}) => ({
  platform: { hosts: [{ id: "h", cores, speed: 1e9, ...extra }] },
  vms: vms.map((v, i) => ({ id: `vm${i}`, host: "h", ...v })),
});

test("fair sharing: runnable VMs split the host max-min fairly, each within its vCPUs", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }), (cores, vcpus) => {
      const { sim, world: w } = world(hostWith(cores, vcpus.map((v) => ({ vcpus: v }))));
      const vms = vcpus.map((_, i) => w.vm(`vm${i}`));
      for (const vm of vms) vm.compute(Infinity);
      sim.run({ until: 10 });
      for (const vm of vms) vm.settle();
      // Water-filling by hand: cores shared among demands min(vcpus, cores).
      const demand = vcpus.map((v) => Math.min(v, cores));
      const share = new Array<number>(demand.length);
      let left = cores, n = demand.length;
      for (const i of demand.map((_, i) => i).sort((a, b) => demand[a] - demand[b])) {
        share[i] = Math.min(demand[i], left / n);
        left -= share[i];
        n--;
      }
      return vms.every((vm, i) => close(vm.cpuSeconds, 10 * share[i], 1e-9));
    }),
    { numRuns: 100 },
  );
  t.pass();
});

test("work completes at ops / rate, and a VM left alone gets the whole core", (t) => {
  const { sim, world: w } = world(hostWith(1, [{}, {}]));
  const [a, b] = [w.vm("vm0"), w.vm("vm1")];
  let endA = NaN, endB = NaN;
  a.compute(1e9, () => (endA = sim.now));
  b.compute(3e9, () => (endB = sim.now));
  sim.run();
  // Both at 0.5 Gop/s until A finishes at 2 s; B then has 2e9 left alone.
  t.true(close(endA, 2));
  t.true(close(endB, 4));
});

test("external load competes like another runnable entity and follows its step profile", (t) => {
  const { sim, world: w } = world(hostWith(1, [{}], { externalLoad: { kind: "steps", steps: [{ at: 0, level: 0 }, { at: 10, level: 1 }] } }));
  const vm = w.vm("vm0");
  vm.compute(Infinity);
  sim.run({ until: 30 });
  vm.settle();
  t.true(close(vm.cpuSeconds, 10 + 20 / 2));
  t.true(close(w.host("h").utilization(), 1));
});

test("a ramp load is a staircase of equal steps", (t) => {
  const { sim, world: w } = world(hostWith(2, [{ vcpus: 2 }], { externalLoad: { kind: "ramp", from: 0, to: 2, start: 0, end: 10, steps: 2 } }));
  const vm = w.vm("vm0");
  vm.compute(Infinity);
  sim.run({ until: 20 });
  vm.settle();
  // Load 0 on [0,5), 1 on [5,10), 2 after: the 2-vCPU VM gets 2 cores, then 1, then a fair 1 of 2.
  t.true(close(vm.cpuSeconds, 5 * 2 + 5 * 1 + 10 * 1));
});

test("interactive response time is burst / speed on an idle host, and grows beside a batch VM", (t) => {
  const doc = (batch: boolean) => ({
    ...hostWith(1, [{}, {}]),
    workloads: [
      { kind: "interactive", id: "ui", vm: "vm0", thinkTime: 1, burstOps: 1e7 },
      ...(batch ? [{ kind: "batch", id: "b", vm: "vm1" }] : []),
    ],
  });
  const alone = world(doc(false));
  alone.sim.run({ until: 200 });
  const m = alone.models[0].metrics();
  t.true(close(m.mean_response_s as number, 0.01));
  const shared = world(doc(true));
  shared.sim.run({ until: 200 });
  t.true(close(shared.models[0].metrics().mean_response_s as number, 0.02));
});

test("max-min sharing of one entity gives exactly what the general passes give it beside an idle one", async (t) => {
  const { waterFill } = await import("../../sim/platform/host/fairshare.js");
  // A stand-in host: records the rates assigned.
  const entity = (name: string, demand: number) => ({ name, cpuRate: -1, demand: () => demand, setCpuRate() {} });
  const host = { assign: (e: { cpuRate: number }, rate: number) => (e.cpuRate = rate) };
  const rate = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e12, noNaN: true }), fc.integer({ min: 0, max: 8 }).map((k) => k * 1e9));
  fc.assert(
    fc.property(rate, rate, (demand, capacity) => {
      const alone = entity("a", demand);
      waterFill(host as never, [alone], capacity);
      // Two entities take the general path; the idle one asks for nothing.
      const paired = entity("a", demand);
      waterFill(host as never, [paired, entity("idle", 0)], capacity);
      return Object.is(alone.cpuRate, paired.cpuRate) && alone.cpuRate === (demand > 0 ? Math.min(demand, capacity) : 0);
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
