import test from "ava";
import fc from "fast-check";
import { EventQueue } from "../../sim/kernel/index.js";

type Op = { op: "push"; time: number; prio: number } | { op: "pop" } | { op: "cancel"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("push" as const), time: fc.integer({ min: 0, max: 20 }).map((t) => t / 4), prio: fc.integer({ min: -2, max: 2 }) }) },
  { weight: 3, arbitrary: fc.constant({ op: "pop" as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("cancel" as const), pick: fc.nat() }) },
);

test("pops in (time, priority, insertion) order under random push/pop/cancel, like a sorted model", (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
      const q = new EventQueue(16);
      // Model: pending entries, each with its key and handle.
      let model: { time: number; prio: number; seq: number; handle: number }[] = [];
      const handles: number[] = [];
      let seq = 0;
      const noop = () => {};
      for (const o of ops) {
        if (o.op === "push") {
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
    }),
    { numRuns: 300 },
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
