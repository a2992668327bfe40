import test from "ava";
import fc from "fast-check";
import { expectedTopology } from "../../sim/experiments/index.js";
import { classify } from "../../sim/vttif/index.js";
import { meshShape, patternNames, patternPhases, type Pattern } from "../../sim/workload/index.js";

const edgesOf = (pattern: Pattern, n: number) => {
  const set = new Set<string>();
  for (const phase of patternPhases(pattern, n)) for (const [a, b] of phase) set.add(`${a},${b}`);
  return [...set].map((k) => k.split(",").map(Number) as [number, number]);
};

const primes = [5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61];

test("every pattern's ideal graph is classified as its topology at 2-64 ranks, primes included", (t) => {
  for (const p of patternNames) for (let n = 2; n <= 64; n++) t.is<string, string>(classify(n, edgesOf(p, n)), expectedTopology(p, n), `${p} at ${n}`);
});

test("a prime mesh is a near-square grid with a partial last row, not a line", (t) => {
  for (const n of primes) {
    const [rows, cols] = meshShape(n);
    t.true(rows >= 2 && cols >= rows && rows * cols >= n && (rows - 1) * cols < n, `${n}: ${rows}x${cols}`);
    t.true(cols === Math.ceil(Math.sqrt(n)));
    // Independent of the layout code: neighbours at unit Manhattan distance in row-major coordinates.
    const pos = (i: number) => [Math.floor(i / cols), i % cols];
    const edges = edgesOf("mesh", n);
    const want: string[] = [];
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (Math.abs(pos(a)[0] - pos(b)[0]) + Math.abs(pos(a)[1] - pos(b)[1]) === 1) want.push(`${a},${b}`);
    t.deepEqual(edges.map(([a, b]) => `${a},${b}`).sort(), want.sort());
    // A grid with a cycle: more edges than a tree.
    t.true(edges.length / 2 >= n);
  }
  // Composite sizes keep their exact factorisation.
  t.deepEqual(meshShape(12), [3, 4]);
  t.deepEqual(meshShape(8), [2, 4]);
  t.deepEqual(meshShape(49), [7, 7]);
});

test("a permutation of ranks over VMs does not change the classification, prime meshes included", (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...patternNames), fc.constantFrom(4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 23), fc.infiniteStream(fc.nat()), (p, n, stream) => {
      const perm = [...Array(n).keys()];
      const it = stream[Symbol.iterator]();
      for (let i = n - 1; i > 0; i--) {
        const j = it.next().value % (i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const edges = edgesOf(p, n).map(([a, b]) => [perm[a], perm[b]] as [number, number]);
      return classify(n, edges) === expectedTopology(p, n);
    }),
  );
  t.pass();
});

/** Every permutation of 0..n-1 (n <= 7). */
function* permutations(n: number): Generator<number[]> {
  const a = [...Array(n).keys()];
  const c = new Array(n).fill(0);
  yield [...a];
  for (let i = 0; i < n; ) {
    if (c[i] < i) {
      const j = i % 2 ? c[i] : 0;
      [a[i], a[j]] = [a[j], a[i]];
      yield [...a];
      c[i]++;
      i = 0;
    } else c[i++] = 0;
  }
}

/** Brute force: is the undirected graph isomorphic to an r x c grid, or to ceil(sqrt(n)) columns filled row by row (with a cycle)? */
function isGridBrute(n: number, und: Set<string>): boolean {
  for (let c = 2; c <= n; c++) {
    const full = Math.floor(n / c), last = n % c;
    if (last === 0 ? full < 2 : c !== Math.ceil(Math.sqrt(n)) || (full === 1 && last < 2)) continue;
    const shape = new Set<string>();
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
      if (Math.abs(Math.floor(a / c) - Math.floor(b / c)) + Math.abs((a % c) - (b % c)) === 1) shape.add(`${a},${b}`);
    }
    if (shape.size !== und.size) continue;
    for (const p of permutations(n)) if ([...shape].every((k) => und.has(k.split(",").map((x) => p[Number(x)]).join(",")))) return true;
  }
  return false;
}

test("mesh is exactly a grid, full or the partial near-square layout, against brute-force isomorphism (5-7 vertices)", (t) => {
  let meshes = 0;
  fc.assert(
    fc.property(fc.integer({ min: 5, max: 7 }), fc.array(fc.tuple(fc.nat(6), fc.nat(6)), { maxLength: 3 }), fc.boolean(), fc.infiniteStream(fc.nat()), (n, flips, fromGrid, stream) => {
      // Start from a grid-like layout or a random graph, then flip a few edges.
      const und = new Set<string>();
      const add = (a: number, b: number) => (und.add(`${a},${b}`), und.add(`${b},${a}`));
      const it = stream[Symbol.iterator]();
      const cols = 2 + (it.next().value % 2);
      if (fromGrid) {
        for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (Math.abs(Math.floor(a / cols) - Math.floor(b / cols)) + Math.abs((a % cols) - (b % cols)) === 1) add(a, b);
      } else for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (it.next().value % 3 === 0) add(a, b);
      for (const [x, y] of flips) {
        const a = x % n, b = y % n;
        if (a === b) continue;
        if (und.has(`${a},${b}`)) (und.delete(`${a},${b}`), und.delete(`${b},${a}`));
        else add(a, b);
      }
      const edges = [...und].map((k) => k.split(",").map(Number) as [number, number]);
      const got = classify(n, edges) === "mesh";
      if (got) meshes++;
      return got === (edges.length > 0 && isGridBrute(n, und));
    }),
    { numRuns: 300, seed: 12 },
  );
  // The generator must reach both answers for the comparison to mean anything.
  t.true(meshes >= 20 && meshes <= 280, `${meshes} meshes`);
});

test("direction convention: all both ways, or all one way for ring, star, tree and pipeline; mixed is unknown", (t) => {
  const oneWay = (pairs: [number, number][]) => pairs;
  const both = (pairs: [number, number][]) => pairs.flatMap(([a, b]) => [[a, b], [b, a]] as [number, number][]);
  const cycle: [number, number][] = [[0, 1], [1, 2], [2, 3], [3, 4], [4, 0]];
  t.is(classify(5, oneWay(cycle)), "ring");
  t.is(classify(5, both(cycle)), "ring");
  t.is(classify(5, [...both(cycle.slice(0, 2)), ...cycle.slice(2)]), "unknown", "ring with some edges both ways");
  t.is(classify(5, [[1, 0], [1, 2], [2, 3], [3, 4], [4, 0]]), "unknown", "ring with one edge reversed");
  // Binary tree on 7 (not a star, not a path).
  const tree: [number, number][] = [[0, 1], [0, 2], [1, 3], [1, 4], [2, 5], [2, 6]];
  t.is(classify(7, both(tree)), "tree");
  t.is(classify(7, oneWay(tree)), "tree", "broadcast-only tree: every edge away from the root");
  t.is(classify(7, tree.map(([a, b]) => [b, a])), "tree", "reduce-only tree: every edge toward the root");
  t.is(classify(7, [[0, 1], [0, 2], [3, 1], [4, 1], [2, 5], [2, 6]]), "unknown", "tree with mixed directions");
  t.is(classify(7, [...both(tree.slice(0, 3)), ...tree.slice(3)]), "unknown", "tree partly both ways");
  // BSP's tree pattern without its broadcast half (reduce only), at several sizes.
  for (const n of [4, 7, 10, 15, 20]) {
    const up = edgesOf("tree", n).filter(([a, b]) => b < a);
    t.is(classify(n, up), "tree", `reduce-only tree of ${n}`);
    t.is(classify(n, up.map(([a, b]) => [b, a])), "tree", `broadcast-only tree of ${n}`);
  }
  const hub: [number, number][] = [[0, 1], [0, 2], [0, 3], [0, 4]];
  t.is(classify(5, oneWay(hub)), "star");
  t.is(classify(5, hub.map(([a, b]) => [b, a])), "star");
  t.is(classify(5, both(hub)), "star");
  t.is(classify(5, [[0, 1], [0, 2], [3, 0], [4, 0]]), "unknown", "star with mixed directions");
  const path: [number, number][] = [[0, 1], [1, 2], [2, 3], [3, 4]];
  t.is(classify(5, oneWay(path)), "pipeline");
  t.is(classify(5, path.map(([a, b]) => [b, a])), "pipeline");
  t.is(classify(5, both(path)), "tree", "a two-way path is a tree");
  t.is(classify(5, [[0, 1], [2, 1], [2, 3], [3, 4]]), "unknown", "a path with mixed directions");
  // A mesh needs both directions.
  const grid: [number, number][] = [[0, 1], [1, 2], [3, 4], [4, 5], [0, 3], [1, 4], [2, 5]];
  t.is(classify(6, both(grid)), "mesh");
  t.is(classify(6, oneWay(grid)), "unknown");
  t.is(classify(4, oneWay([[0, 1], [1, 3], [3, 2], [2, 0]])), "ring", "a one-way 4-cycle is a ring");
  t.is(classify(4, both([[0, 1], [1, 3], [3, 2], [2, 0]])), "mesh", "a two-way 4-cycle is a 2x2 mesh");
});

test("graphs that are none of the patterns are unknown", (t) => {
  t.is(classify(4, [[0, 1], [2, 3]]), "unknown", "disconnected");
  t.is(classify(5, [[0, 1], [1, 2], [2, 0], [2, 3], [3, 4]]), "unknown");
  t.is(classify(6, [[0, 1], [1, 0], [1, 2], [2, 1], [2, 3], [3, 2], [3, 0], [0, 3], [0, 4], [4, 0], [4, 5], [5, 4]]), "unknown", "a square with a tail of two is not a near-square layout");
});
