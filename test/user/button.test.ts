/**
 * The user-driven scheduling button against its definition, and simulated people converging
 * on a plant whose answer is known: a VM whose response time is work / reserved share, so a
 * person with comfort threshold θ is comfortable exactly at shares >= s* = work / θ.
 */
import test from "ava";
import fc from "fast-check";
import { Simulation } from "../../sim/kernel/index.js";
import type { Admission, CpuControl, Reservation, ResponseTap } from "../../sim/ports/index.js";
import { ButtonController, ButtonUser, increase, JoystickUser, press, type ButtonParams } from "../../sim/user/index.js";

const params = fc.record({
  period: fc.constant(0.05),
  interval: fc.constant(1),
  initial: fc.double({ min: 0.005, max: 0.1, noNaN: true }),
  threshold: fc.double({ min: 0.1, max: 0.9, noNaN: true }),
  factor: fc.double({ min: 1.1, max: 4, noNaN: true }),
  increment: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
  max: fc.double({ min: 0.5, max: 0.99, noNaN: true }),
});

test("increase: slow start multiplies up to the threshold, linear increase adds above it, never past max", (t) => {
  fc.assert(
    fc.property(params, fc.double({ min: 0.001, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 0.99, noNaN: true }), (p, rate, threshold) => {
      const next = increase({ rate, threshold }, p);
      const want = rate < threshold ? Math.min(threshold, rate * p.factor) : rate + p.increment;
      t.is(next.threshold, threshold);
      t.is(next.rate, Math.min(p.max, want));
      if (rate < p.max) t.true(next.rate > rate);
    }),
  );
});

test("press: the threshold becomes half the rate and the rate resets", (t) => {
  fc.assert(
    fc.property(params, fc.double({ min: 0.001, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 0.99, noNaN: true }), (p, rate, threshold) => {
      const next = press({ rate, threshold }, p);
      t.is(next.threshold, rate / 2);
      t.is(next.rate, Math.min(p.max, p.initial));
    }),
  );
});

test("from a reset: ceil(log_factor(threshold/initial)) slow-start intervals, then +increment per interval", (t) => {
  fc.assert(
    fc.property(params, (p) => {
      fc.pre(p.initial < p.threshold && p.threshold < p.max);
      let s = { rate: p.initial, threshold: p.threshold };
      const steps = Math.log(p.threshold / p.initial) / Math.log(p.factor);
      fc.pre(Math.abs(steps - Math.round(steps)) > 1e-6); // no tie for rounding to decide
      const slow = Math.ceil(steps);
      for (let i = 0; i < slow; i++) s = increase(s, p);
      t.true(Math.abs(s.rate - p.threshold) < 1e-12);
      for (let k = 1; k <= 20; k++) {
        s = increase(s, p);
        t.true(Math.abs(s.rate - Math.min(p.max, p.threshold + k * p.increment)) < 1e-9);
      }
    }),
  );
});

/** CpuControl and ResponseTap over a VM answering every `think` s in work / share seconds. */
class Plant implements CpuControl, ResponseTap {
  r: Reservation | undefined;
  reservations: { t: number; share: number }[] = [];
  private fns: ((r: number) => void)[] = [];
  constructor(readonly sim: Simulation, readonly work: number, think: number, readonly refuseBelow = 0) {
    sim.every(think, () => {
      if (this.r) for (const f of this.fns) f(work / (this.r.slice / this.r.period));
    }, think / 2);
  }
  reserve(_vm: string, r: Reservation): Admission {
    if (r.slice < this.refuseBelow) return { admitted: false, reason: `slice ${r.slice} < tick ${this.refuseBelow}` };
    this.r = r;
    this.reservations.push({ t: this.sim.now, share: r.slice / r.period });
    return { admitted: true };
  }
  release(): void {}
  usage(): number {
    return 0;
  }
  progress(): undefined {
    return undefined;
  }
  observe(_app: string, fn: (r: number) => void): void {
    this.fns.push(fn);
  }
}

test("the controller reserves (1 - rate) of the period through CpuControl at every step and press", (t) => {
  const sim = new Simulation(1);
  const plant = new Plant(sim, 0.01, 0.1);
  const p: ButtonParams = { period: 0.05, interval: 1, initial: 0.05, threshold: 0.4, factor: 2, increment: 0.02, max: 0.95 };
  const b = new ButtonController(sim, plant, "vm", p);
  sim.at(10.5, () => b.press());
  sim.run({ until: 30 });
  t.is(b.log.length, 1 + 30 + 1);
  for (const r of b.log) t.true(Math.abs(r.share - (1 - r.rate)) < 1e-12);
  const pressed = b.log.find((r) => r.event === "press")!;
  const before = b.log[b.log.indexOf(pressed) - 1];
  t.is(pressed.threshold, before.rate / 2);
  t.is(pressed.rate, 0.05);
  t.is(plant.reservations.length, b.log.length);
  plant.reservations.forEach((x, i) => t.true(Math.abs(x.share - b.log[i].share) < 1e-12 && x.t === b.log[i].t));
});

test("a refused reservation keeps the one in force; a refused press still halves the threshold", (t) => {
  const sim = new Simulation(1);
  // Slices under 10 ms are refused: the rate cannot pass 0.8 at a 50 ms period.
  const plant = new Plant(sim, 0.001, 0.1, 0.01 - 1e-12);
  const p: ButtonParams = { period: 0.05, interval: 1, initial: 0.1, threshold: 0.9, factor: 2, increment: 0.05, max: 0.95 };
  const b = new ButtonController(sim, plant, "vm", p);
  sim.run({ until: 20 });
  t.true(b.log.some((r) => r.event === "refused" && /tick/.test(r.note)));
  t.true(b.state.rate <= 0.8 + 1e-9);
  t.true(plant.reservations.every((x) => x.share >= 0.2 - 1e-9));
});

test("a person with the button converges: after a few cycles every press comes within one increment past the most they tolerate", (t) => {
  fc.assert(
    fc.property(fc.double({ min: 0.012, max: 0.09, noNaN: true }), fc.integer({ min: 1, max: 30 }), fc.constantFrom(1.5, 2, 3), (theta, incMs, factor) => {
      const sim = new Simulation(1);
      const work = 0.01;
      const plant = new Plant(sim, work, 0.1);
      const p: ButtonParams = { period: 0.05, interval: 1, initial: 0.02, threshold: 0.5, factor, increment: incMs / 1000, max: 0.95 };
      const b = new ButtonController(sim, plant, "vm", p);
      const user = new ButtonUser(sim, plant, "app", b, { threshold: theta, window: 1, reaction: 0, refractory: 0 });
      sim.run({ until: 4000 });
      const tolerated = 1 - work / theta; // most they can give away and stay comfortable
      const presses = b.log.filter((r) => r.event === "press");
      t.is(presses.length, user.presses.length);
      t.true(presses.length >= 5);
      const late = presses.filter((r) => r.t > 2000);
      t.true(late.length >= 2);
      for (const r of late) {
        const before = b.log[b.log.indexOf(r) - 1].rate;
        t.true(before > tolerated - 1e-9, `pressed at ${before} though ${tolerated} is tolerated`);
        t.true(before <= tolerated + p.increment + 1e-9, `pressed only at ${before}, past ${tolerated} + ${p.increment}`);
      }
    }),
    { numRuns: 30 },
  );
});

test("a person with the joystick homes in on the cheapest comfortable utilization, within the least step", (t) => {
  fc.assert(
    fc.property(fc.double({ min: 0.012, max: 0.09, noNaN: true }), fc.constantFrom(0.005, 0.01, 0.02), (theta, minStep) => {
      const sim = new Simulation(1);
      const work = 0.01;
      const plant = new Plant(sim, work, 0.1);
      const j = new JoystickUser(sim, plant, plant, "vm", "app", { period: 0.05, interval: 1, initial: 1, step: 0.2, minStep, min: 0.02, threshold: theta });
      sim.run({ until: 400 });
      const needed = work / theta;
      const late = j.log.filter((r) => r.t > 200);
      t.true(late.length > 10);
      t.is(j.step, minStep);
      for (const r of late) t.true(Math.abs(r.utilization - needed) <= minStep + 1e-9, `${r.utilization} vs ${needed}`);
    }),
    { numRuns: 30 },
  );
});

test("a press admission refuses backs off halfway toward the share in force, so the VM still gets what fits", (t) => {
  const sim = new Simulation(1);
  // Another reservation holds 30 %: shares above 0.7 are refused.
  class Full extends Plant {
    override reserve(vm: string, r: Reservation): Admission {
      return r.slice / r.period > 0.7 + 1e-12 ? { admitted: false, reason: "utilization > 1.00" } : super.reserve(vm, r);
    }
  }
  const plant = new Full(sim, 0.01, 0.1);
  const p: ButtonParams = { period: 0.05, interval: 1, initial: 0.05, threshold: 0.6, factor: 2, increment: 0.05, max: 0.9 };
  const b = new ButtonController(sim, plant, "vm", p);
  sim.at(20.5, () => b.press());
  sim.run({ until: 21 });
  const pressed = b.log.find((r) => r.event === "press")!;
  const before = b.log[b.log.indexOf(pressed) - 1];
  // Halfway from 0.95 toward the share in force, until it fits under 0.7.
  let share = 0.95;
  while (share > 0.7) share = (share + before.share) / 2;
  t.true(Math.abs(pressed.share - share) < 1e-12, `${pressed.share} vs ${share}`);
  t.is(pressed.threshold, before.rate / 2);
  t.regex(pressed.note, /asked for 0\.950 of the core, admitted/);
  t.true(plant.reservations.every((x) => x.share <= 0.7 + 1e-12));
});
