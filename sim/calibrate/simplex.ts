/**
 * Nelder-Mead minimisation inside a box, deterministic: the simplex starts at `start` plus a
 * step along each axis, points are clamped to the box, and it stops after `evaluations`
 * loss evaluations or when the simplex has shrunk below `tolerance` on every axis.
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
  const clamp = (x: number[]) => x.map((v, i) => Math.min(box[i][1], Math.max(box[i][0], v)));
  let used = 0;
  const at = (x: number[]) => {
    used++;
    const c = clamp(x);
    return { x: c, value: f(c) };
  };
  const simplex = [at([...start])];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    const width = box[i][1] - box[i][0];
    // Step inward when the start sits on the box's upper edge.
    x[i] = x[i] + step * width <= box[i][1] ? x[i] + step * width : x[i] - step * width;
    simplex.push(at(x));
  }
  const along = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i] - v));
  while (used < evaluations) {
    simplex.sort((p, q) => p.value - q.value);
    const spread = box.every((b, i) => {
      const vs = simplex.map((p) => p.x[i]);
      return Math.max(...vs) - Math.min(...vs) <= tolerance * (b[1] - b[0]);
    });
    if (spread) break;
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
}
