/**
 * Long horizons: release times computed from integers do not drift, so a fully admitted
 * tick-aligned reservation set never misses in a simulated hour; the run-on and the switch
 * overhead are charged, so shares equal slice/period off the tick grid too.
 */
import test from "ava";
import fc from "fast-check";
import { cost, type BudgetRule } from "../../sim/vsched/index.js";
import { host, type Task } from "./host.js";

const HOUR = 3600;

for (const budget of ["run-on", "cbs"] as BudgetRule[]) {
  test(`${budget}: (10 ms, 10 ms) beside a batch VM on a 1 ms tick misses nothing in an hour`, (t) => {
    const h = host([{ period: 0.01, slice: 0.01 }], { tick: 0.001 }, budget);
    t.true(h.verdicts[0].admitted);
    h.sim.run({ until: HOUR });
    t.is(h.periods.length, HOUR / 0.01);
    t.is(h.periods.filter((p) => p.missed).length, 0);
    t.true(Math.abs(h.cpu.usage("rt0") - HOUR) < 1e-6);
    t.true(h.cpu.usage("batch") < 1e-6);
  });
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

/** Tick-aligned sets whose utilization is exactly 1: the last task takes what the others leave. */
const fullSet = fc
  .array(fc.record({ p: fc.integer({ min: 2, max: 12 }), s: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 3 })
  .map((ts) => ts.map(({ p, s }) => ({ p, s: Math.min(s, p - 1) || 1 })))
  .map((ts) => {
    const l = ts.reduce((a, x) => lcm(a, x.p), 1);
    const rest = l - ts.reduce((a, x) => a + x.s * (l / x.p), 0);
    return rest > 0 ? [...ts, { p: l, s: rest }] : undefined;
  })
  .filter((ts): ts is { p: number; s: number }[] => ts !== undefined && ts.every((x) => x.p <= 200));

for (const budget of ["run-on", "cbs"] as BudgetRule[]) {
  test(`${budget}: tick-aligned sets at utilization exactly 1 miss nothing in a simulated hour`, (t) => {
    const tick = 0.01; // 100 ticks a second, as below
    fc.assert(
      fc.property(fullSet, (set) => {
        const tasks: Task[] = set.map((x) => ({ period: x.p * tick, slice: x.s * tick }));
        const h = host(tasks, { tick }, budget);
        if (!h.verdicts.every((v) => v.admitted)) throw new Error(`refused: ${JSON.stringify(h.verdicts)}`);
        h.sim.run({ until: HOUR });
        const missed = h.periods.filter((p) => p.missed);
        if (missed.length > 0) throw new Error(`${missed.length} misses, first ${JSON.stringify(missed[0])}`);
        // Every period due by the end was recorded, and the batch VM got nothing.
        set.forEach((x, i) => {
          const due = h.periods.filter((p) => p.vm === `rt${i}` && p.deadline <= HOUR + 1e-9).length;
          if (due !== Math.floor((HOUR * 100) / x.p)) throw new Error(`rt${i}: ${due} periods recorded`);
        });
        return h.cpu.usage("batch") < 1e-6;
      }),
      { numRuns: 6 },
    );
    t.pass();
  });
}

test("the issue's case: (10 ms, 1 ms) on a 1 ms tick with 10 us switches gets 0.1, batch the rest less what admission counts", (t) => {
  for (const budget of ["run-on", "cbs"] as BudgetRule[]) {
    const h = host([{ period: 0.01, slice: 0.001 }], { tick: 0.001, dispatchOverhead: 1e-5 }, budget);
    h.sim.run({ until: 60 });
    const vm = h.cpu.usage("rt0") / 60, batch = h.cpu.usage("batch") / 60;
    t.true(Math.abs(vm - 0.1) <= 0.001, `${budget}: vm ${vm}`);
    t.true(batch <= 0.9 && batch >= 1 - cost({ period: 0.01, slice: 0.001 }, 1e-5) - 1e-9, `${budget}: batch ${batch}`);
  }
});

// Off the tick grid: any microsecond period from 3 to 100 ms, slices of at least a tick.
const offGrid = fc.record({ period: fc.integer({ min: 3000, max: 100000 }), frac: fc.double({ min: 0, max: 1, noNaN: true }) }).map(({ period, frac }) => ({
  period: period * 1e-6,
  slice: Math.round(1000 + (period - 1000) * frac * 0.6) * 1e-6,
}));

for (const budget of ["run-on", "cbs"] as BudgetRule[]) {
  test(`${budget}: off the tick grid with switch overhead, each admitted VM's share is slice/period within 1%, and the overhead fits what admission counts`, (t) => {
    const overhead = 1e-5, horizon = 60;
    fc.assert(
      fc.property(fc.array(offGrid, { minLength: 1, maxLength: 5 }), (tasks) => {
        const h = host(tasks, { tick: 0.001, dispatchOverhead: overhead }, budget);
        const admitted = tasks.filter((_, i) => h.verdicts[i].admitted);
        h.sim.run({ until: horizon });
        let reserved = 0, counted = 0;
        tasks.forEach((task, i) => {
          const share = h.cpu.usage(`rt${i}`) / horizon;
          if (!h.verdicts[i].admitted) return;
          const want = task.slice / task.period;
          if (Math.abs(share - want) > 0.01 * want) throw new Error(`rt${i} ${JSON.stringify(task)}: share ${share}, want ${want}`);
          reserved += want;
          counted += cost(task, overhead);
        });
        // Unreserved VMs share the rest with the batch VM; with none admitted-out, batch gets it all.
        const others = tasks.filter((_, i) => !h.verdicts[i].admitted).length;
        const batch = h.cpu.usage("batch") / horizon;
        if (others === 0 && !(batch >= 1 - counted - 0.002 && batch <= 1 - reserved + 0.002)) throw new Error(`batch ${batch}, reserved ${reserved}, counted ${counted}`);
        return admitted.length >= 1;
      }),
      { numRuns: 25 },
    );
    t.pass();
  });
}
