import test from "ava";
import fc from "fast-check";
import { Interrupt, Simulation, type SimEvent } from "../../sim/kernel/index.js";

test("callbacks run in (time, priority, insertion) order and the clock follows", (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 3 })), { maxLength: 100 }), (evs) => {
      const sim = new Simulation();
      const seen: [number, number, number][] = [];
      evs.forEach(([time, prio], i) => sim.schedule(time, () => seen.push([sim.now, prio, i]), undefined, prio));
      sim.run();
      const expected = evs.map(([time, prio], i) => [time, prio, i] as [number, number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
      t.deepEqual(seen, expected);
    }),
  );
});

test("run({until}) processes events at or before until and leaves the clock there", (t) => {
  const sim = new Simulation();
  const seen: number[] = [];
  for (const at of [1, 2, 3, 4]) sim.schedule(at, () => seen.push(at));
  sim.run({ until: 3 });
  t.deepEqual(seen, [1, 2, 3]);
  t.is(sim.now, 3);
  t.true(sim.step());
  t.deepEqual(seen, [1, 2, 3, 4]);
  t.false(sim.step());
  t.throws(() => sim.run({ until: 1 }), { instanceOf: RangeError });
});

test("schedule rejects negative and NaN delays", (t) => {
  const sim = new Simulation();
  t.throws(() => sim.schedule(-1, () => {}), { instanceOf: RangeError });
  t.throws(() => sim.schedule(NaN, () => {}), { instanceOf: RangeError });
});

test("every() repeats at its interval until cancelled; cancel() of a one-shot stops it", (t) => {
  const sim = new Simulation();
  const ticks: number[] = [];
  const id = sim.every(2, () => ticks.push(sim.now), 1);
  const once = sim.after(4, () => ticks.push(-1));
  sim.at(6, () => sim.cancel(id));
  sim.cancel(once);
  sim.run({ until: 20 });
  t.deepEqual(ticks, [1, 3, 5]);
});

test("a process yields timeouts and resumes at the right times with their values", (t) => {
  const sim = new Simulation();
  const log: [number, string][] = [];
  sim.process(
    (function* () {
      const v: string = yield sim.timeout(1.5, "a");
      log.push([sim.now, v]);
      yield sim.timeout(0);
      log.push([sim.now, "zero"]);
      yield sim.timeout(2);
      log.push([sim.now, "end"]);
    })(),
  );
  sim.run();
  t.deepEqual(log, [[1.5, "a"], [1.5, "zero"], [3.5, "end"]]);
});

test("processes wait on events and on other processes' return values", (t) => {
  const sim = new Simulation();
  const signal = sim.event<number>();
  const child = sim.process(
    (function* () {
      const x: number = yield signal;
      yield sim.timeout(1);
      return x * 2;
    })(),
  );
  let result: unknown;
  sim.process(
    (function* () {
      result = yield child;
    })(),
  );
  sim.schedule(5, () => signal.succeed(21));
  sim.run();
  t.is(result, 42);
  t.is(sim.now, 6);
});

test("allOf waits for every event and gives values in order; anyOf gives the first", (t) => {
  const sim = new Simulation();
  let all: unknown, any: unknown, tAll = 0, tAny = 0;
  sim.process(
    (function* () {
      all = yield sim.allOf([sim.timeout(3, "c"), sim.timeout(1, "a"), sim.timeout(2, "b")]);
      tAll = sim.now;
    })(),
  );
  sim.process(
    (function* () {
      any = yield sim.anyOf([sim.timeout(3, "c"), sim.timeout(1, "a")]);
      tAny = sim.now;
    })(),
  );
  sim.run();
  t.deepEqual(all, ["c", "a", "b"]);
  t.is(tAll, 3);
  t.deepEqual(any, { index: 1, value: "a" });
  t.is(tAny, 1);
});

test("interrupt throws Interrupt into the process, which may catch it and go on", (t) => {
  const sim = new Simulation();
  const log: string[] = [];
  const p = sim.process(
    (function* () {
      try {
        yield sim.timeout(10);
        log.push("not reached");
      } catch (e) {
        t.true(e instanceof Interrupt);
        log.push(`interrupted at ${sim.now} by ${(e as Interrupt).cause}`);
      }
      yield sim.timeout(1);
      log.push(`done at ${sim.now}`);
    })(),
  );
  sim.schedule(4, () => p.interrupt("migration"));
  sim.run();
  t.deepEqual(log, ["interrupted at 4 by migration", "done at 5"]);
  t.throws(() => p.interrupt("again"));
});

test("a failing process that nobody waits for crashes the run; a waiter can catch it", (t) => {
  const sim = new Simulation();
  sim.process(
    (function* (): Generator<SimEvent<any>, void, any> {
      yield sim.timeout(1);
      throw new Error("boom");
    })(),
  );
  t.throws(() => sim.run(), { message: "boom" });

  const sim2 = new Simulation();
  const bad = sim2.process(
    (function* (): Generator<SimEvent<any>, void, any> {
      yield sim2.timeout(1);
      throw new Error("boom");
    })(),
  );
  let caught = "";
  sim2.process(
    (function* () {
      try {
        yield bad;
      } catch (e) {
        caught = (e as Error).message;
      }
    })(),
  );
  sim2.run();
  t.is(caught, "boom");
});

test("stop() ends run() after the current event", (t) => {
  const sim = new Simulation();
  let n = 0;
  const tick = () => {
    n++;
    if (n === 5) sim.stop();
    sim.schedule(1, tick);
  };
  sim.schedule(1, tick);
  sim.run();
  t.is(n, 5);
  t.is(sim.now, 5);
});
