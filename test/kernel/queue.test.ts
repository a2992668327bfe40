import test from "ava";
import fc from "fast-check";
import { EventQueue, MAX_PRIORITY, MIN_PRIORITY } from "../../sim/kernel/index.js";

type Op = { op: "push"; time: number; prio: number } | { op: "pop" } | { op: "cancel"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("push" as const), time: fc.integer({ min: 0, max: 20 }).map((t) => t / 4), prio: fc.integer({ min: -2, max: 2 }) }) },
  { weight: 3, arbitrary: fc.constant({ op: "pop" as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("cancel" as const), pick: fc.nat() }) },
);

/** Runs ops against the queue and a sorted-list model; false at the first disagreement. */
function agreesWithModel(q: EventQueue, ops: Op[], maxPending = Infinity): boolean {
      // Model: pending entries, each with its key and handle.
      let model: { time: number; prio: number; seq: number; handle: number }[] = [];
      const handles: number[] = [];
      let seq = 0;
      const noop = () => {};
      for (const o of ops) {
        if (o.op === "push") {
          if (q.size >= maxPending) continue;
          const id = seq++;
          const h = q.push(o.time, o.prio, noop, id);
          handles.push(h);
          model.push({ time: o.time, prio: o.prio, seq: id, handle: h });
        } else if (o.op === "pop") {
          model.sort((a, b) => a.time - b.time || a.prio - b.prio || a.seq - b.seq);
          const expected = model.shift();
          const got = q.pop();
          if (!expected) {
            if (got) return false;
            continue;
          }
          if (!got || q.poppedTime !== expected.time || q.poppedArg !== expected.seq) return false;
        } else if (handles.length > 0) {
          const h = handles[o.pick % handles.length];
          const inModel = model.some((m) => m.handle === h);
          if (q.cancel(h) !== inModel) return false;
          model = model.filter((m) => m.handle !== h);
        }
        if (q.size !== model.length) return false;
      }
      return true;
}

test("pops in (time, priority, insertion) order under random push/pop/cancel, like a sorted model", (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => agreesWithModel(new EventQueue(16), ops)),
    { numRuns: 300 },
  );
  t.pass();
});

test("keeps the order with at most 40 pending (the calendar shrinks and grows back)", (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 100, maxLength: 600 }), (ops) => agreesWithModel(new EventQueue(16), ops, 40)),
    { numRuns: 200 },
  );
  t.pass();
});

test("many equal times and priorities come out in insertion order", (t) => {
  const q = new EventQueue(16);
  const out: number[] = [];
  let next = 0;
  // Always 20 pending at time 1: every push goes after its equals.
  for (; next < 20; next++) q.push(1, 0, () => {}, next);
  for (let i = 0; i < 500; i++) {
    t.true(q.pop());
    out.push(q.poppedArg as number);
    q.push(1, 0, () => {}, next++);
  }
  t.deepEqual(out, Array.from({ length: 500 }, (_, i) => i));
});

test("a rebuild whose width sample cuts a run of equal keys keeps the run in insertion order", (t) => {
  // 30 ties at time 1, then later events until the calendar is rebuilt several times; each
  // rebuild takes the first 25 events out to sample the width, splitting the run at 25.
  const q = new EventQueue(16);
  for (let i = 0; i < 30; i++) q.push(1, 0, () => {}, i);
  for (let i = 0; i < 300; i++) q.push(2 + i, 0, () => {}, 30 + i);
  const out: number[] = [];
  while (q.pop()) out.push(q.poppedArg as number);
  t.deepEqual(out, Array.from({ length: 330 }, (_, i) => i));
});

test("priorities outside the allowed range are refused, inside it order events", (t) => {
  const q = new EventQueue();
  t.throws(() => q.push(0, MAX_PRIORITY + 1, () => {}), { instanceOf: RangeError });
  t.throws(() => q.push(0, MIN_PRIORITY - 1, () => {}), { instanceOf: RangeError });
  t.throws(() => q.push(0, 0.5, () => {}), { instanceOf: RangeError });
  q.push(0, MAX_PRIORITY, () => {}, "last");
  q.push(0, MIN_PRIORITY, () => {}, "first");
  q.push(0, 0, () => {}, "middle");
  const order = [];
  while (q.pop()) order.push(q.poppedArg);
  t.deepEqual(order, ["first", "middle", "last"]);
});

test("a long hold model pops in the order of a brute-force sort (sifts, growth, cancels)", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer(), (n, seed) => {
      const q = new EventQueue(16);
      let x = seed >>> 0;
      const rand = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
      const live = new Map<number, number>(); // handle -> time
      const handles: number[] = [];
      for (let i = 0; i < n; i++) {
        const time = Math.floor(rand() * 50);
        const h = q.push(time, 0, () => {}, i);
        live.set(h, time);
        handles.push(h);
      }
      // Cancel a third, then hold: pop one, push one later, 5n times.
      for (let i = 0; i < n; i += 3) {
        q.cancel(handles[i]);
        live.delete(handles[i]);
      }
      let now = 0;
      for (let i = 0; i < 5 * n && q.size > 0; i++) {
        const expected = Math.min(...live.values());
        if (!q.pop() || q.poppedTime !== expected || q.poppedTime < now) return false;
        now = q.poppedTime;
        for (const [h, tm] of live) if (tm === expected && !q.pending(h)) { live.delete(h); break; }
        const time = now + Math.floor(rand() * 50);
        live.set(q.push(time, 0, () => {}, i), time);
      }
      return q.size === live.size;
    }),
    { numRuns: 30 },
  );
  t.pass();
});

test("a stale handle cannot cancel the event that reused its slot", (t) => {
  const q = new EventQueue(16);
  const h1 = q.push(1, 0, () => {}, "a");
  t.true(q.pop());
  const h2 = q.push(2, 0, () => {}, "b");
  t.false(q.cancel(h1));
  t.true(q.pending(h2));
  t.true(q.cancel(h2));
  t.is(q.size, 0);
});

test("grows past its initial capacity and keeps order", (t) => {
  const q = new EventQueue(16);
  const n = 5000;
  for (let i = 0; i < n; i++) q.push((i * 7919) % n, 0, () => {}, i);
  let last = -1;
  for (let i = 0; i < n; i++) {
    t.true(q.pop());
    t.true(q.poppedTime >= last);
    last = q.poppedTime;
  }
  t.false(q.pop());
});

/**
 * Calendar-specific paths: the population grows far past the buckets and falls back (resizes
 * both ways), the time distribution changes mid-run (width re-estimated), times jump a long way
 * ahead (a year of empty days) and back before the sweep, and many ties. Checked event by
 * event against a brute-force minimum over the pending set, cancellations included.
 */
test("a calendar under changing populations and time scales pops exactly as a brute-force model", (t) => {
  const phase = fc.record({
    ops: fc.integer({ min: 50, max: 1500 }),
    pushBias: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
    scale: fc.constantFrom(1e-6, 1e-3, 1, 1e3, 0),
    tieGrid: fc.constantFrom(0, 1, 4),
    jump: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(phase, { minLength: 1, maxLength: 5 }), fc.integer(), (phases, seed) => {
      const q = new EventQueue(16);
      let x = seed >>> 0;
      const rand = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
      type Entry = { time: number; prio: number; seq: number; handle: number };
      const live = new Map<number, Entry>();
      let seq = 0, now = 0;
      const key = (a: Entry, b: Entry) => a.time - b.time || a.prio - b.prio || a.seq - b.seq;
      for (const ph of phases) {
        for (let i = 0; i < ph.ops; i++) {
          const r = rand();
          if (r < ph.pushBias || live.size === 0) {
            // Ties: times on a grid of `tieGrid` steps; a jump: far ahead, or before `now`.
            let delay = ph.tieGrid > 0 ? Math.floor(rand() * ph.tieGrid) * ph.scale : -Math.log(1 - rand()) * ph.scale;
            if (ph.jump && rand() < 0.02) delay += rand() < 0.5 ? 1e6 : -now * rand();
            const time = now + delay;
            const prio = Math.floor(rand() * 3) - 1;
            const e = { time, prio, seq: seq++, handle: 0 };
            e.handle = q.push(time, prio, () => {}, e.seq);
            live.set(e.handle, e);
          } else if (r < ph.pushBias + (1 - ph.pushBias) * 0.8) {
            let best: Entry | undefined;
            for (const e of live.values()) if (!best || key(e, best) < 0) best = e;
            if (!q.pop() || q.poppedArg !== best!.seq || q.poppedTime !== best!.time) return false;
            live.delete(best!.handle);
            now = best!.time;
          } else {
            const hs = [...live.keys()];
            const h = hs[Math.floor(rand() * hs.length)];
            if (!q.cancel(h) || q.cancel(h) || q.pending(h)) return false;
            live.delete(h);
          }
          if (q.size !== live.size) return false;
        }
      }
      // Drain: what is left comes out in order too.
      const rest = [...live.values()].sort(key);
      for (const e of rest) if (!q.pop() || q.poppedArg !== e.seq) return false;
      return !q.pop() && q.peekTime() === Infinity;
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test("a long hold model at a steady population of 20,000 keeps exact order across width re-estimates", (t) => {
  // The population grows to 20,000 (many resizes), holds for 200,000 events while the increment
  // distribution changes scale twice, then drains to zero (shrinks); checked against a sorted
  // reference of the popped sequence and the multiset of pushed times.
  const q = new EventQueue(16);
  let x = 12345;
  const rand = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const n = 20_000;
  for (let i = 0; i < n; i++) q.push(-Math.log(1 - rand()), 0, () => {}, i);
  let now = 0, bad = 0, seq = n;
  for (let i = 0; i < 200_000; i++) {
    t.true(q.pop());
    if (q.poppedTime < now) bad++;
    now = q.poppedTime;
    const scale = i < 70_000 ? 1 : i < 140_000 ? 1e-4 : 50;
    q.push(now + -Math.log(1 - rand()) * scale, 0, () => {}, seq++);
  }
  t.is(q.size, n);
  const order: number[] = [];
  while (q.pop()) {
    if (q.poppedTime < now) bad++;
    now = q.poppedTime;
    order.push(q.poppedArg as number);
  }
  t.is(bad, 0);
  t.is(order.length, n);
  t.is(q.size, 0);
});

test("times apart by denormal separations still come out in order (a width whose inverse overflows is refused)", (t) => {
  // The separations sampled for the width are 5e-324: 1 / width would be Infinity, every day
  // Infinity and day 0 NaN, and the sweep would never find the first event.
  const q = new EventQueue(16);
  const times = Array.from({ length: 40 }, (_, i) => ((i * 7) % 40) * 5e-324);
  times.push(1, 2.5, 0);
  times.forEach((time, i) => q.push(time, 0, () => {}, i));
  const out: number[] = [];
  while (out.length <= times.length && q.pop()) out.push(q.poppedTime);
  t.deepEqual(out, [...times].sort((a, b) => a - b));
});

test("a barrier's equal times, then clusters of times a few doubles apart in random order: in order, and the insert walks stay linear (a width kept from before made each insert walk the cluster)", (t) => {
  const q = new EventQueue();
  const n = 100_000;
  const noop = () => {};
  // A barrier: every rank at one time.
  for (let i = 0; i < n; i++) q.push(1, 0, noop);
  while (q.pop()) if (q.poppedTime !== 1) t.fail(`popped ${q.poppedTime}`);
  // Completions a few ulps apart, in a scrambled order (a fixed permutation, no randomness).
  for (let i = 0; i < n; i++) q.push(2 + ((i * 7919) % 64) * Number.EPSILON * 2, 0, noop);
  let last = -Infinity, popped = 0;
  while (q.pop()) {
    if (q.poppedTime < last) t.fail(`${q.poppedTime} after ${last}`);
    last = q.poppedTime;
    popped++;
  }
  t.is(popped, n);
  t.true(q.walked < 20 * n, `${q.walked} entries walked for ${n} inserts`);
});
