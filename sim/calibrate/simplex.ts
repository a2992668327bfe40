/**
 * Nelder-Mead minimisation inside a box, deterministic. The simplex lives in unbounded
 * coordinates u, x = lo + (hi - lo) (1 + sin u) / 2, so every point it tries is inside the box
 * and none is flattened onto a face (as clamping would). A simplex starts at `start` plus a
 * step along each axis and runs until it has shrunk below `tolerance` on every axis; then a
 * fresh one starts from its best point, until one finds nothing better or `evaluations` loss
 * evaluations are spent (a collapsed simplex need not sit at a minimum).
 * Coordinate search moves one parameter at a time, so it crawls along a valley where two
 * parameters trade off; the simplex moves them together.
 */
export function simplexMinimum(
  f: (x: number[]) => number,
  start: readonly number[],
  box: readonly (readonly [number, number])[],
  { step = 0.05, evaluations = 600, tolerance = 1e-6 } = {},
): { x: number[]; value: number } {
  const n = start.length;
  let used = 0;
  const toX = (u: number[]) => u.map((v, i) => box[i][0] + ((box[i][1] - box[i][0]) * (1 + Math.sin(v))) / 2);
  const at = (u: number[]) => {
    used++;
    return { x: u, value: f(toX(u)) };
  };
  const along = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i] - v));
  /** One simplex from `from`, to its collapse or the end of the budget. */
  const run = (from: { x: number[]; value: number }) => {
    const simplex = [from];
    for (let i = 0; i < n; i++) {
      const u = [...from.x];
      // `step` of the box's width where u = 0 (the middle); every u is inside the box.
      u[i] += 2 * step;
      simplex.push(at(u));
    }
    while (used < evaluations) {
      simplex.sort((p, q) => p.value - q.value);
      const xs = simplex.map((p) => toX(p.x));
      const collapsed = box.every((b, i) => Math.max(...xs.map((x) => x[i])) - Math.min(...xs.map((x) => x[i])) <= tolerance * (b[1] - b[0]));
      if (collapsed) break;
      const worst = simplex[n];
      const centroid = Array.from({ length: n }, (_, i) => simplex.slice(0, n).reduce((s, p) => s + p.x[i], 0) / n);
      const reflected = at(along(centroid, worst.x, -1));
      if (reflected.value < simplex[0].value) {
        const expanded = at(along(centroid, worst.x, -2));
        simplex[n] = expanded.value < reflected.value ? expanded : reflected;
      } else if (reflected.value < simplex[n - 1].value) simplex[n] = reflected;
      else {
        const contracted = at(along(centroid, worst.x, 0.5));
        if (contracted.value < worst.value) simplex[n] = contracted;
        else for (let i = 1; i <= n; i++) simplex[i] = at(along(simplex[0].x, simplex[i].x, 0.5));
      }
    }
    simplex.sort((p, q) => p.value - q.value);
    return simplex[0];
  };
  let best = at(start.map((v, i) => Math.asin(Math.min(1, Math.max(-1, (2 * (v - box[i][0])) / (box[i][1] - box[i][0]) - 1)))));
  while (used < evaluations) {
    const next = run(best);
    if (!(next.value < best.value)) break;
    best = next;
  }
  return { x: toX(best.x), value: best.value };
}
