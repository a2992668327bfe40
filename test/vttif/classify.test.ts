import test from "ava";
import fc from "fast-check";
import { expectedTopology } from "../../sim/experiments/index.js";
import { classify } from "../../sim/vttif/index.js";
import { patternNames, patternPhases, type Pattern } from "../../sim/workload/index.js";

const expected = expectedTopology;

const edgesOf = (pattern: Pattern, n: number) => {
  const set = new Set<string>();
  for (const phase of patternPhases(pattern, n)) for (const [a, b] of phase) set.add(`${a},${b}`);
  return [...set].map((k) => k.split(",").map(Number) as [number, number]);
};

test("every pattern's ideal graph is classified as its topology at 4, 8, 16 and 32 ranks", (t) => {
  for (const p of patternNames) for (const n of [4, 8, 16, 32]) t.is(classify(n, edgesOf(p, n)), expected[p], `${p} at ${n}`);
});

test("a permutation of ranks over VMs does not change the classification", (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...patternNames), fc.constantFrom(4, 6, 8, 9, 12, 16), fc.infiniteStream(fc.nat()), (p, n, stream) => {
      const perm = [...Array(n).keys()];
      const it = stream[Symbol.iterator]();
      for (let i = n - 1; i > 0; i--) {
        const j = it.next().value % (i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const edges = edgesOf(p, n).map(([a, b]) => [perm[a], perm[b]] as [number, number]);
      return classify(n, edges) === expected[p];
    }),
  );
  t.pass();
});

test("graphs that are none of the patterns are unknown", (t) => {
  t.is(classify(4, [[0, 1], [2, 3]]), "unknown", "disconnected");
  t.is(classify(5, [[0, 1], [1, 2], [2, 0], [2, 3], [3, 4]]), "unknown");
  t.is(classify(6, [[0, 1], [1, 0], [1, 2], [2, 1], [2, 3], [3, 2], [3, 0], [0, 3], [0, 4], [4, 0], [4, 5], [5, 4]]), "unknown");
});
