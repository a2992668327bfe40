import test from "ava";
import { WallClock } from "../../sim/live/index.js";

test("the wall clock never runs a timer early, however its timers were armed", async (t) => {
  const c = new WallClock();
  // Due 1 ms apart from 20 ms on, armed in a scrambled order (7 and 60 are coprime). (A
  // process descheduled past several deadlines runs the overdue ones in no set order.)
  const times = Array.from({ length: 60 }, (_, i) => 0.02 + ((i * 7) % 60) * 0.001);
  const ran: { due: number; at: number }[] = [];
  await new Promise<void>((done) => {
    for (const due of times) c.at(due, () => {
      ran.push({ due, at: c.now });
      if (ran.length === times.length) done();
    });
  });
  for (const r of ran) t.true(r.at >= r.due, `ran at ${r.at} before ${r.due}`);
  t.deepEqual(ran.map((r) => r.due).sort((a, b) => a - b), [...times].sort((a, b) => a - b));
  t.is(c.lateness.length, times.length);
});

test("every() fires at start + k x interval, without drift, and a cancelled timer never runs", async (t) => {
  const c = new WallClock();
  const at: number[] = [];
  let cancelledRan = false;
  const dead = c.at(0.05, () => (cancelledRan = true));
  c.cancel(dead);
  const before = c.now;
  let after = NaN;
  await new Promise<void>((done) => {
    const id = c.every(0.01, () => {
      at.push(c.now);
      if (at.length === 40) {
        c.cancel(id);
        done();
      }
    }, 0.01);
    after = c.now;
  });
  // The first call is due between before + 0.01 and after + 0.01, the k-th k x 0.01 later.
  at.forEach((x, k) => t.true(x >= before + 0.01 + k * 0.01, `call ${k} at ${x}`));
  // A late call does not push the next ones back: the schedule is index x interval.
  t.true(at[39] - (after + 0.4) < 0.05, `the 40th call is ${at[39] - after - 0.4} s late`);
  await new Promise((r) => setTimeout(r, 60));
  t.false(cancelledRan);
});

test("an every() series that fell behind (its callback blocked 35 ms of a 10 ms interval) catches up and stops when cancelled", async (t) => {
  const c = new WallClock();
  let calls = 0;
  await new Promise<void>((done) => {
    const id = c.every(0.01, () => {
      calls++;
      if (calls === 1) {
        const until = c.now + 0.035;
        while (c.now < until);
      }
      if (calls === 6) {
        c.cancel(id);
        done();
      }
    });
  });
  await new Promise((r) => setTimeout(r, 100));
  t.is(calls, 6);
});
