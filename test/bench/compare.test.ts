import test from "ava";
import fc from "fast-check";
import { compareBenches, median, splitParams, type Bench, type Figure } from "../../sim/bench/index.js";
import { pholdBare } from "../../sim/bench/bare.js";

const fake = (name: string, params: Record<string, number>): Bench => ({ name, description: name, params, run: () => [] });

test("median is the middle of the sorted values (mean of the two middles for even counts)", (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 30 }), (xs) => {
      const m = median(xs);
      const below = xs.filter((x) => x < m).length, above = xs.filter((x) => x > m).length;
      return below <= xs.length / 2 && above <= xs.length / 2;
    }),
  );
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 2, 3]), 2.5);
});

test("runs the benchmark and its reference alternately and reports medians and their ratio", (t) => {
  const a = fake("a", { x: 1 }), b = fake("b", { y: 2 });
  const calls: string[] = [];
  const values: Record<string, number[]> = { a: [10, 30, 20], b: [5, 4, 100] };
  const runOnce = (bench: Bench, params: Record<string, number>): Figure[] => {
    calls.push(`${bench.name}:${JSON.stringify(params)}`);
    const v = values[bench.name].shift()!;
    return [{ name: bench.name, value: v, unit: "events/s" }, { name: `${bench.name}.other`, value: -v, unit: "s" }];
  };
  const out = compareBenches(a, b, splitParams({ x: 7, y: 8 }, a, b), 3, runOnce);
  t.deepEqual(calls, ['a:{"x":7}', 'b:{"y":8}', 'a:{"x":7}', 'b:{"y":8}', 'a:{"x":7}', 'b:{"y":8}']);
  t.deepEqual(
    out.map((f) => [f.name, f.value]),
    [["a", 20], ["a.other", -20], ["b", 5], ["b.other", -5], ["a/b", 4]],
  );
});

test("parameters go to whichever benchmark knows them; unknown ones are reported", (t) => {
  const s = splitParams({ lps: 5, events: 9, bogus: 1 }, fake("a", { lps: 1, seed: 3 }), fake("b", { events: 2, lps: 1 }));
  t.deepEqual(s.a, { lps: 5, seed: 3 });
  t.deepEqual(s.b, { events: 9, lps: 5 });
  t.deepEqual(s.unknown, ["bogus"]);
});

test("the bare-heap reference runs and reports events per second and per CPU second", (t) => {
  const f = pholdBare.run({ ...pholdBare.params, lps: 100, events: 20_000 });
  t.is(f[0].name, "phold-bare");
  t.true(f[0].value > 0);
  t.true(f.some((g) => g.name === "phold-bare.per_cpu_s"));
});
