/**
 * A sweep's runs: every point of a parameter grid, replicated. Each run's seed is derived
 * from (base seed, grid point, replication) alone, so adding points or replications never
 * changes the seed of an existing run.
 */
export interface GridAxis {
  path: string;
  values: unknown[];
}

export interface PlannedRun {
  /** Stable name: point and replication, e.g. "p003-r01". */
  id: string;
  point: number;
  rep: number;
  seed: number;
  /** path=value overrides for this run (the grid values and the seed). */
  sets: string[];
  values: Record<string, unknown>;
}

/** Parses `--grid path=v1,v2,...`; values are JSON where they parse, else strings. */
export function parseGrid(arg: string): GridAxis {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new Error(`--grid ${arg}: expected path=v1,v2,...`);
  const values = splitTop(arg.slice(eq + 1)).map((v) => {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  });
  if (values.length === 0) throw new Error(`--grid ${arg}: no values`);
  return { path: arg.slice(0, eq), values };
}

/** Splits on commas outside brackets and quotes, so JSON arrays and objects stay whole. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0, quoted = false, cur = "";
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === "[" || c === "{")) depth++;
    if (!quoted && (c === "]" || c === "}")) depth--;
    if (c === "," && depth === 0 && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  if (cur !== "") out.push(cur);
  return out;
}

export function plan(baseSeed: number, axes: readonly GridAxis[], reps: number): PlannedRun[] {
  const points: Record<string, unknown>[] = [{}];
  for (const axis of axes) {
    const next: Record<string, unknown>[] = [];
    for (const p of points) for (const v of axis.values) next.push({ ...p, [axis.path]: v });
    points.splice(0, points.length, ...next);
  }
  const runs: PlannedRun[] = [];
  points.forEach((values, point) => {
    for (let rep = 0; rep < reps; rep++) {
      const seed = deriveSeed(baseSeed, point, rep);
      const sets = [...Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`), `seed=${seed}`];
      runs.push({ id: `p${String(point).padStart(3, "0")}-r${String(rep).padStart(2, "0")}`, point, rep, seed, sets, values });
    }
  });
  return runs;
}

/** A 52-bit seed from (base, point, rep) by a splitmix-style mix: independent of the others. */
export function deriveSeed(base: number, point: number, rep: number): number {
  let h1 = 0x9e3779b9 ^ (base >>> 0), h2 = 0x85ebca6b ^ Math.floor(base / 2 ** 32);
  for (const x of [point, rep]) {
    h1 = Math.imul(h1 ^ x, 0x85ebca6b) ^ (h2 >>> 13);
    h2 = Math.imul(h2 ^ (x * 31 + 7), 0xc2b2ae35) ^ (h1 >>> 16);
    h1 = Math.imul(h1 ^ (h1 >>> 15), 0x2c1b3c6d);
    h2 = Math.imul(h2 ^ (h2 >>> 12), 0x297a2d39);
  }
  return (h1 >>> 0) * 2 ** 20 + ((h2 >>> 0) & 0xfffff);
}
