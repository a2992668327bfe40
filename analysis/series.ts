/** Shaping raw traces into plottable series. */

/**
 * Time-weighted mean of a step function (value v[i] holds from t[i] to t[i+1]) over `bins`
 * equal intervals of [t0, t1]: keeps a long trace's figure small without aliasing.
 */
export function stepAverage(t: ArrayLike<number>, v: ArrayLike<number>, t0: number, t1: number, bins: number): [number, number][] {
  const width = (t1 - t0) / bins;
  const area = new Float64Array(bins);
  for (let i = 0; i < t.length; i++) {
    const a = Math.max(t[i], t0), b = Math.min(i + 1 < t.length ? t[i + 1] : t1, t1);
    if (!(b > a)) continue;
    let k = Math.min(bins - 1, Math.floor((a - t0) / width));
    let from = a;
    while (from < b && k < bins) {
      const to = Math.min(b, t0 + (k + 1) * width);
      area[k] += v[i] * (to - from);
      from = to;
      k++;
    }
  }
  return Array.from(area, (s, k) => [t0 + (k + 0.5) * width, s / width]);
}
