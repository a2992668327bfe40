/**
 * `virtuoso bench NAME --against REF`: a benchmark and its reference run alternately
 * (NAME, REF, NAME, REF, ...) in one invocation, so both see the same machine load; each
 * figure is the median of its rounds, and the headline figures' ratio is reported.
 */
import type { Bench, Figure } from "./bench.js";

/** Runs one benchmark once with the given parameters (the CLI runs each in a fresh process). */
export type RunOnce = (bench: Bench, params: Record<string, number>) => Figure[];

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Parameters given on the command line go to whichever of the two benchmarks knows them. */
export function splitParams(given: Record<string, number>, a: Bench, b: Bench): { a: Record<string, number>; b: Record<string, number>; unknown: string[] } {
  const pick = (bench: Bench) => Object.fromEntries(Object.entries(given).filter(([k]) => k in bench.params));
  const unknown = Object.keys(given).filter((k) => !(k in a.params) && !(k in b.params));
  return { a: { ...a.params, ...pick(a) }, b: { ...b.params, ...pick(b) }, unknown };
}

export function compareBenches(a: Bench, b: Bench, params: { a: Record<string, number>; b: Record<string, number> }, rounds: number, runOnce: RunOnce): Figure[] {
  const runs: { a: Figure[][]; b: Figure[][] } = { a: [], b: [] };
  for (let r = 0; r < rounds; r++) {
    runs.a.push(runOnce(a, params.a));
    runs.b.push(runOnce(b, params.b));
  }
  const medians = (rs: Figure[][]): Figure[] =>
    rs[0].map((f) => ({ name: f.name, value: median(rs.map((r) => r.find((g) => g.name === f.name)?.value ?? NaN)), unit: f.unit }));
  const ma = medians(runs.a), mb = medians(runs.b);
  const out = [...ma, ...mb];
  // The headline figure is each benchmark's first; a ratio only means something in one unit.
  if (ma.length && mb.length && ma[0].unit === mb[0].unit) {
    out.push({ name: `${a.name}/${b.name}`, value: Math.round((ma[0].value / mb[0].value) * 1000) / 1000, unit: `ratio of ${ma[0].unit}, medians of ${rounds}` });
  }
  return out;
}
