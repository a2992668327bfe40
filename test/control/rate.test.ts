/**
 * The global rate controller against a plant whose answer is known: an application that
 * progresses at efficiency(period) x utilization of its dedicated rate. Then the dead band
 * and the period search can be checked interval by interval.
 */
import test from "ava";
import fc from "fast-check";
import { RateController, type ControlRecord, type RateControlParams } from "../../sim/control/index.js";
import { Simulation } from "../../sim/kernel/index.js";
import type { Admission, CpuControl, Reservation } from "../../sim/ports/index.js";

const dedicated = 4; // supersteps per second on dedicated machines

/** CpuControl over a fake application: its rate is efficiency(period) x slice / period. */
class Plant implements CpuControl {
  private done = 0;
  private last = 0;
  r: Reservation | undefined;
  constructor(private readonly sim: Simulation, private readonly efficiency: (period: number) => number) {}
  private settle() {
    if (this.r) this.done += (this.sim.now - this.last) * dedicated * this.efficiency(this.r.period) * (this.r.slice / this.r.period);
    this.last = this.sim.now;
  }
  reserve(_vm: string, r: Reservation): Admission {
    if (r.slice > r.period * (1 + 1e-12)) return { admitted: false, reason: "over a whole core" };
    this.settle();
    this.r = r;
    return { admitted: true };
  }
  release(): void {}
  usage(): number {
    return 0;
  }
  progress(): number {
    this.settle();
    return this.done;
  }
}

const defaults: RateControlParams = { interval: 2, deadband: 0.02, gain: 0.8, periods: [0.1], minUtilization: 0.02, patience: 6, settle: 3 };

function control(target: number, efficiency: (p: number) => number, params: Partial<RateControlParams>, intervals = 150): ControlRecord[] {
  const sim = new Simulation(1);
  const p = { ...defaults, ...params };
  const c = new RateController(sim, new Plant(sim, efficiency), [{ app: "app", vms: ["a", "b"], dedicatedRate: dedicated, targets: [{ at: 0, rate: target }] }], p);
  const log: ControlRecord[] = [];
  c.onRecord((r) => log.push(r));
  sim.run({ until: intervals * p.interval });
  return log;
}

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

test("inside the dead band utilization is left alone, even though the rate is off target", (t) => {
  // Rate 0.92 x 0.5 = 0.46: 0.04 short, within an absolute dead band of 0.05 (though 8% relative).
  const log = control(0.5, () => 0.92, { deadband: 0.05 });
  t.is(log.length, 150);
  for (const r of log) {
    t.true(near(r.rate, 0.46));
    t.is(r.utilization, 0.5);
  }
  // A dead band just below the error: the controller acts at once, by gain x error.
  const moved = control(0.5, () => 0.92, { deadband: 0.039 });
  t.true(near(moved[0].utilization, 0.5 + 0.8 * 0.04));
});

test("out of the band utilization moves by gain x error; in it, it holds; and it settles within the band", (t) => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.5, max: 1, noNaN: true }),
      fc.double({ min: 0.1, max: 0.45, noNaN: true }),
      fc.double({ min: 0.002, max: 0.08, noNaN: true }),
      fc.double({ min: 0.2, max: 1.2, noNaN: true }),
      (e, target, deadband, gain) => {
        const log = control(target, () => e, { deadband, gain });
        let u = target;
        for (const r of log) {
          // The rate measured over an interval is the plant's answer to the utilization set before it.
          if (!near(r.rate, e * u)) return false;
          const err = target - r.rate;
          const want = Math.abs(err) > deadband ? Math.min(1, Math.max(defaults.minUtilization, u + gain * err)) : u;
          if (!near(r.utilization, want)) return false;
          u = r.utilization;
        }
        return log.slice(-50).every((r) => Math.abs(target - r.rate) <= deadband);
      },
    ),
    { numRuns: 80 },
  );
  t.pass();
});

test("the period kept is the one holding the target at the lowest utilization; one that cannot hold it is skipped", (t) => {
  const periods = [0.1, 0.05, 0.02];
  fc.assert(
    fc.property(
      fc.tuple(fc.double({ min: 0.7, max: 1, noNaN: true }), fc.double({ min: 0.7, max: 1, noNaN: true }), fc.double({ min: 0.7, max: 1, noNaN: true })),
      fc.double({ min: 0.3, max: 0.9, noNaN: true }),
      (effs, target) => {
        // With gain 1 and efficiencies near 1 a period that can hold the target does so well
        // within `patience`, so the oracle need not model how fast the controller converges.
        const deadband = 0.005;
        const eff = (p: number) => effs[periods.indexOf(p)];
        // Utilization each period needs; more than a whole core cannot be had.
        const need = effs.map((e) => target / e);
        if (need.some((u) => u > 0.93 && u < 1.07)) return true;
        const holdable = periods.filter((_, i) => need[i] < 1);
        if (holdable.length === 0) return true;
        const sorted = holdable.map((p) => need[periods.indexOf(p)]).sort((a, b) => a - b);
        // Only instances with a clear winner (beyond what the dead band blurs).
        if (sorted.length > 1 && sorted[1] - sorted[0] < (4 * deadband) / 0.7) return true;
        const best = holdable.find((p) => need[periods.indexOf(p)] === sorted[0])!;
        const log = control(target, eff, { periods, deadband, gain: 1 }, 300);
        const tail = log.slice(-100);
        return tail.every((r) => r.period === best && Math.abs(r.rate - target) <= deadband);
      },
    ),
    { numRuns: 60 },
  );
  t.pass();
});

test("every candidate period is tried before one is kept", (t) => {
  const effs: Record<number, number> = { 0.1: 0.7, 0.05: 0.95, 0.02: 0.85 };
  const log = control(0.5, (p) => effs[p], { periods: [0.1, 0.05, 0.02], deadband: 0.01 }, 200);
  const tried = [...new Set(log.map((r) => r.period))];
  t.deepEqual([...tried].sort(), [0.02, 0.05, 0.1]);
  t.is(log[log.length - 1].period, 0.05);
  t.true(Math.abs(log[log.length - 1].utilization - 0.5 / 0.95) <= 0.01 / 0.95 + 1e-12);
});
