/** SCHED_DEADLINE's constant bandwidth server rules, one at a time, in integer nanoseconds. */
import test from "ava";
import { CbsServer } from "../../sim/vsched/cbs.js";
import type { PeriodRecord } from "../../sim/vsched/index.js";

const MS = 1e6;

function server(periodMs: number, sliceMs: number) {
  const records: PeriodRecord[] = [];
  const s = new CbsServer("vm", 0, { period: periodMs / 1e3, slice: sliceMs / 1e3 }, 0, [(p) => records.push(p)]);
  return { s, records };
}

test("a new reservation opens d = now + period with a full budget", (t) => {
  const { s } = server(9, 3);
  t.true(s.ready());
  t.is(s.deadline(), 9 * MS);
  t.is(s.budget(), 3 * MS);
});

test("wake-up rule: keep (d, q) while q / (d - now) <= slice / period, exactly at equality too; else a new period", (t) => {
  const { s } = server(9, 3);
  s.charge(1 * MS, 1 * MS);
  // q = 2 ms, d - now = 6 ms: 2/6 = 3/9 exactly, so it keeps its deadline.
  s.woke(3 * MS);
  t.is(s.deadline(), 9 * MS);
  t.is(s.budget(), 2 * MS);
  // One nanosecond later the ratio exceeds the bandwidth: d = now + period, q = slice.
  s.woke(3 * MS + 1);
  t.is(s.deadline(), 12 * MS + 1);
  t.is(s.budget(), 3 * MS);
  // A deadline already past also opens a new period.
  s.woke(13 * MS);
  t.is(s.deadline(), 22 * MS);
});

test("throttle at exhaustion, replenish at d with the overrun charged, and reset when lagging", (t) => {
  const { s, records } = server(9, 3);
  // 4 ms used by the tick at 5 ms: 1 ms overrun, exhausted at 4 ms (before d = 9 ms: met).
  s.charge(4 * MS, 5 * MS);
  t.false(s.ready());
  t.is(s.nextEvent(), 9 * MS);
  t.deepEqual(records.map((r) => [r.release, r.deadline, r.missed]), [[0, 0.009, false]]);
  s.advance(8 * MS);
  t.false(s.ready(), "still throttled before d");
  s.woke(8 * MS);
  t.false(s.ready(), "waking does not lift a throttle");
  s.advance(9 * MS);
  t.true(s.ready());
  t.is(s.deadline(), 18 * MS);
  t.is(s.budget(), 2 * MS, "the next budget pays the 1 ms overrun");
  // Used up after its deadline: a miss; d is already past, so replenishment is immediate, and
  // the deadline it reaches (27 ms) is still before now (30 ms): lag reset to now + period.
  s.charge(2 * MS, 30 * MS);
  t.deepEqual(records[1], { vm: "vm", release: 0.009, deadline: 0.018, got: 0.003, slice: 0.003, missed: true, lateness: 0.012 });
  t.true(s.ready());
  t.is(s.deadline(), 39 * MS);
  t.is(s.budget(), 3 * MS);
});

test("an overrun larger than a slice moves the deadline out one period per slice", (t) => {
  const { s } = server(10, 2);
  s.charge(7 * MS, 7 * MS);
  s.advance(10 * MS);
  // q = -5 ms: +2 three times gives q = 1 ms, d = 10 + 3 x 10 ms.
  t.is(s.deadline(), 40 * MS);
  t.is(s.budget(), 1 * MS);
});
