import test from "ava";
import fc from "fast-check";
import { admit } from "../../sim/vsched/index.js";
import { host, utilization } from "./host.js";

// Periods and slices on the 0.1 ms tick grid, so the only rounding is the scheduler's own.
const taskArb = fc.record({ period: fc.integer({ min: 10, max: 400 }), frac: fc.integer({ min: 1, max: 100 }) }).map(({ period, frac }) => ({
  period: period * 1e-4,
  slice: Math.max(1, Math.round((period * frac) / 100)) * 1e-4,
}));

test("task sets with total utilization <= 1, no overhead and a fine tick never miss", (t) => {
  fc.assert(
    fc.property(fc.array(taskArb, { minLength: 1, maxLength: 6 }).filter((ts) => utilization(ts) <= 1), (tasks) => {
      const h = host(tasks);
      if (!h.verdicts.every((v) => v.admitted)) return false;
      h.sim.run({ until: 2 });
      return h.periods.length > 0 && h.periods.every((p) => !p.missed);
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test("task sets above 1 do miss (with admission control off)", (t) => {
  fc.assert(
    fc.property(fc.array(taskArb, { minLength: 2, maxLength: 6 }).filter((ts) => utilization(ts) > 1.05), (tasks) => {
      const h = host(tasks, { admission: false });
      h.sim.run({ until: 4 });
      return h.periods.some((p) => p.missed);
    }),
    { numRuns: 40 },
  );
  t.pass();
});

test("admission control rejects exactly the requests that would overload the core", (t) => {
  fc.assert(
    fc.property(fc.array(taskArb, { minLength: 1, maxLength: 8 }), fc.double({ min: 0.5, max: 1, noNaN: true }), (tasks, uMax) => {
      const h = host(tasks, { uMax });
      let u = 0;
      return tasks.every((task, i) => {
        const fits = u + task.slice / task.period <= uMax * (1 + 1e-9);
        if (fits) u += task.slice / task.period;
        return h.verdicts[i].admitted === fits;
      });
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test("rejections name the reason", (t) => {
  const limits = { uMax: 1, overheadReserve: 0.05, tick: 1e-3 };
  t.deepEqual(admit(0.8, { period: 0.1, slice: 0.027 }, limits), { admitted: false, reason: "utilization 1.07 > 0.95" });
  t.deepEqual(admit(0, { period: 0.01, slice: 0.0004 }, limits), { admitted: false, reason: "slice 0.4 ms < tick 1 ms" });
  t.deepEqual(admit(0, { period: 0.1, slice: 0.2 }, limits), { admitted: false, reason: "slice 200 ms > period 100 ms" });
  t.true(admit(0.5, { period: 0.1, slice: 0.045 }, limits).admitted);
});

test("each admitted VM's long-run CPU share is slice/period within 1%, and batch gets the rest", (t) => {
  fc.assert(
    fc.property(fc.array(taskArb, { minLength: 1, maxLength: 5 }).filter((ts) => utilization(ts) <= 1), (tasks) => {
      const h = host(tasks);
      h.sim.run({ until: 20 });
      const ok = tasks.every((task, i) => Math.abs(h.cpu.usage(`rt${i}`) / 20 - task.slice / task.period) <= 0.01 * (task.slice / task.period));
      const batch = h.cpu.usage("batch") / 20;
      return ok && Math.abs(batch - (1 - utilization(tasks))) < 0.011;
    }),
    { numRuns: 40 },
  );
  t.pass();
});

test("a coarse tick beyond the period makes nearly every deadline miss (the resolution limit)", (t) => {
  const h = host([{ period: 0.001, slice: 0.0005 }], { tick: 0.01, admission: false });
  h.sim.run({ until: 2 });
  const rate = h.periods.filter((p) => p.missed).length / h.periods.length;
  t.true(rate > 0.85, `miss rate ${rate}`);
});

test("dispatch overhead sets the utilization limit: slice + overhead must fit the period", (t) => {
  const missRate = (slice: number, dispatchOverhead: number) => {
    // Admission off: it counts two switches per job, which would refuse the tight cases.
    const h = host([{ period: 0.01, slice }], { tick: 1e-4, dispatchOverhead, admission: false });
    h.sim.run({ until: 2 });
    return h.periods.filter((p) => p.missed).length / h.periods.length;
  };
  t.is(missRate(0.01, 0), 0);
  t.is(missRate(0.0097, 2e-4), 0);
  // Full utilization plus the first switch's overhead: every later job finishes late too.
  t.true(missRate(0.01, 2e-4) > 0.95);
  // In between, only the periods that begin with a switch miss.
  const partial = missRate(0.0099, 2e-4);
  t.true(partial > 0.2 && partial < 0.5, `${partial}`);
});

test("reservations change and go away at run time", (t) => {
  const h = host([{ period: 0.1, slice: 0.02 }]);
  h.sim.run({ until: 10 });
  t.true(h.cpu.reserve("rt0", { period: 0.1, slice: 0.05 }).admitted);
  h.sim.run({ until: 20 });
  h.cpu.release("rt0");
  h.sim.run({ until: 30 });
  const u = h.cpu.usage("rt0");
  // 10 s at 0.2, 10 s at 0.5, then an even split with the batch VM.
  t.true(Math.abs(u - (2 + 5 + 5)) < 0.05, `${u}`);
});

test("non-finite, non-positive or malformed requests are refused through CpuControl with a reason, admission on or off", (t) => {
  for (const admission of [true, false]) {
    const h = host([], { tick: 1e-3, admission });
    const bad = [
      { period: Infinity, slice: Infinity },
      { period: NaN, slice: 0.001 },
      { period: 0.01, slice: NaN },
      { period: 0.01, slice: -Infinity },
      { period: 0, slice: 0 },
      { period: -0.01, slice: 0.001 },
      { period: 0.01, slice: 0 },
      { period: 1e-12, slice: 1e-12 },
    ];
    for (const r of bad) {
      const v = h.cpu.reserve("batch", r);
      t.false(v.admitted, JSON.stringify(r));
      t.regex((v as { reason: string }).reason, /must be/);
    }
    t.true(h.vsched.utilization().every(Number.isFinite));
    t.is(h.vsched.reservation("batch"), undefined);
    // Later requests are still judged against the real load.
    t.true(h.cpu.reserve("batch", { period: 0.01, slice: 0.006 }).admitted);
    t.true(Math.abs(h.vsched.utilization()[0] - 0.6) < 1e-12);
  }
  t.deepEqual(admit(0, { period: Infinity, slice: Infinity }, { uMax: 1, overheadReserve: 0, tick: 1e-3 }), {
    admitted: false,
    reason: "period and slice must be finite numbers (period Infinity, slice Infinity)",
  });
  t.deepEqual(admit(NaN, { period: 0.01, slice: 0.001 }, { uMax: 1, overheadReserve: 0, tick: 1e-3 }), { admitted: false, reason: "utilization of the core is not a number (NaN)" });
});

test("admission counts two switches per job: (slice + 2 x overhead) / period", (t) => {
  const limits = { uMax: 1, overheadReserve: 0, tick: 1e-3, switchOverhead: 1e-4 };
  t.true(admit(0, { period: 0.01, slice: 0.0098 }, limits).admitted);
  t.deepEqual(admit(0, { period: 0.01, slice: 0.0099 }, limits), { admitted: false, reason: "utilization 1.01 > 1.00" });
  const h = host([{ period: 0.01, slice: 0.004 }, { period: 0.02, slice: 0.008 }, { period: 0.01, slice: 0.001 }], { tick: 1e-3, dispatchOverhead: 5e-4 });
  // 0.5 + 0.45 fits; the third, 0.2 more, does not.
  t.deepEqual(h.verdicts.map((v) => v.admitted), [true, true, false]);
  t.true(Math.abs(h.vsched.utilization()[0] - 0.95) < 1e-12);
});

test("a changed reservation keeps its released job; the next release stays on the old schedule, then follows the new period", (t) => {
  const h = host([{ period: 0.1, slice: 0.02 }], { tick: 1e-3 });
  h.sim.run({ until: 10.05 });
  t.true(h.cpu.reserve("rt0", { period: 0.03, slice: 0.01 }).admitted);
  h.sim.run({ until: 11 });
  const after = h.periods.filter((p) => p.release >= 10.05).map((p) => Math.round(p.release * 1e9));
  // 10.1 s on the old grid, then every 30 ms, as integers (no drift).
  t.deepEqual(after, Array.from({ length: after.length }, (_, k) => 10.1e9 + k * 30e6));
  t.true(after.length >= 29);
  t.true(h.periods.every((p) => !p.missed));
});
