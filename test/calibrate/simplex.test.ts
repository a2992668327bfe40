/**
 * The box-constrained Nelder-Mead simplex against minima known in closed form: a separable
 * convex quadratic's minimum inside a box is its centre clamped to the box, axis by axis, and
 * a rotated valley (two parameters that trade off) is found where axis moves alone crawl.
 */
import test from "ava";
import fc from "fast-check";
import { simplexMinimum } from "../../sim/calibrate/simplex.js";

test("a separable quadratic: the minimum is its centre clamped to the box", (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0.2, max: 5, noNaN: true })), { minLength: 1, maxLength: 5 }),
      (axes) => {
        const box = axes.map(() => [-1, 1] as const);
        const f = (x: number[]) => axes.reduce((s, [c, w], i) => s + w * (x[i] - c) ** 2, 0);
        const want = axes.map(([c]) => Math.min(1, Math.max(-1, c)));
        const got = simplexMinimum(f, axes.map(() => 0), box, { evaluations: 4000, tolerance: 1e-9 });
        return got.x.every((v, i) => Math.abs(v - want[i]) < 1e-3) && got.x.every((v) => v >= -1 && v <= 1);
      },
    ),
    { numRuns: 100 },
  );
  t.pass();
});

test("a narrow rotated valley is followed to its minimum", (t) => {
  // Rosenbrock's valley, minimum 0 at (1, 1).
  const f = (x: number[]) => (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2;
  const got = simplexMinimum(f, [-1.2, 1], [[-2, 2], [-2, 2]], { evaluations: 2000, tolerance: 1e-10 });
  t.true(Math.abs(got.x[0] - 1) < 1e-3 && Math.abs(got.x[1] - 1) < 1e-3, JSON.stringify(got));
  t.true(got.value < 1e-6);
});

test("stops after the given number of evaluations, and is deterministic", (t) => {
  let calls = 0;
  const f = (x: number[]) => {
    calls++;
    return Math.abs(x[0] - 0.3) + Math.abs(x[1] + 0.4);
  };
  const a = simplexMinimum(f, [0, 0], [[-1, 1], [-1, 1]], { evaluations: 50 });
  // The last step may finish: a reflection, a contraction and a shrink (n points) past the limit.
  t.true(calls <= 50 + 2 + 2, `${calls}`);
  t.deepEqual(simplexMinimum(f, [0, 0], [[-1, 1], [-1, 1]], { evaluations: 50 }), a);
});
