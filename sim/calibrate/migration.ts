/**
 * Fitting the qemu migration model to measurements. Deterministic and simple:
 * - nonzero memory = base + perMemory x memory + the working set (measure's dirtier fills its
 *   buffer), base and perMemory by linear least squares on each row's memory minus its zero
 *   pages (QEMU's duplicate count) minus its working set;
 * - setup = the median measured setup time;
 * - bandwidthScale, stopCopyRate, firstCopyRate, switchover, switchoverBytes, workingSetExtra
 *   and touchedTail (the share of nonzero memory at the top of guest RAM) by coordinate
 *   search: each in turn over an 11-point grid inside its current interval, the best point
 *   kept and the interval halved around it, for a fixed number of sweeps, started from three
 *   tails (0, 0.25, 0.5); then from the best of them by a Nelder-Mead simplex inside the same
 *   ranges (simplex.ts).
 * A case's prediction is, per quantity, the median of the model over PHASES evenly spread
 * check phases (qemu.ts, checkPhase): the measured side is the median of repeats whose
 * phase QEMU's drifting check grid left to chance, so one phase would stand for one lucky or
 * unlucky run.
 * Rows with the guest's own RAM layouts (the CSV's `layout` column, one per repeat) are
 * predicted on those, so the search fits rates and costs against where the nonzero memory
 * really lies; touchedTail, which only the parametric layout uses, is then fitted alone
 * (parametricTail) for the fragment a scenario takes.
 * The loss sums, over rows, the absolute errors in units of the acceptance tolerances: 15% of
 * total time, 15% of bytes, 20 ms of downtime and 2 dirty-bitmap syncs. Absolute, not
 * squared: on a busy machine a case measured twice can differ by more than the tolerance,
 * and squares would let those few cases pull every parameter.
 */
import { layoutStretches, migrationSchema, nonzeroMemory, qemuPrecopy, type MemoryLayout, type MigrationSpec, type QemuPrecopyResult } from "../platform/migration/index.js";
import { caseMedians, type MeasuredMigration } from "./measurements.js";
import { simplexMinimum } from "./simplex.js";

const MiB = 1 << 20;

/** The fitted part of platform.migration. */
export interface MigrationFit {
  bandwidthScale: number;
  stopCopyRate: number;
  firstCopyRate: number;
  switchover: number;
  switchoverBytes: number;
  workingSetExtra: number;
  /** Share of nonzero memory at the top of guest RAM, which the first pass reaches after every zero page. */
  touchedTail: number;
  setup: number;
  /** Nonzero memory = base + perMemory x memory + perWorkingSet x working set. */
  touched: { base: number; perMemory: number; perWorkingSet: number };
}

export const tolerance = { totalRel: 0.15, bytesRel: 0.15, downtime_s: 0.02, rounds: 2 };

/** Check phases a prediction takes the median over: (i + 1/2) / PHASES. */
export const PHASES = 11;

/** What a prediction runs on: the row's own layouts when it has them (the default), or the parametric one. */
export interface PredictOptions {
  parametric?: boolean;
}

/**
 * The model's prediction for one measured case under `fit`: per quantity, the median over
 * PHASES check phases, and over the repeats' layouts where the row has them (throttle and
 * forced are the first run's).
 */
export function predict(row: MeasuredMigration, fit: MigrationFit, opts: PredictOptions = {}, spec: MigrationSpec = defaultSpec): QemuPrecopyResult {
  return medianRun(predictionRuns(row, fit, opts, spec));
}

/** The runs a prediction takes its medians over: each of the row's layouts (or the parametric one) at each of PHASES check phases. */
export function predictionRuns(row: MeasuredMigration, fit: MigrationFit, opts: PredictOptions = {}, spec: MigrationSpec = defaultSpec): QemuPrecopyResult[] {
  const layouts: (MemoryLayout | undefined)[] = !opts.parametric && row.layouts?.length ? row.layouts : [undefined];
  return layouts.flatMap((layout) => Array.from({ length: PHASES }, (_, i) => predictAt(row, fit, spec, (i + 0.5) / PHASES, layout)));
}

/** Per quantity, the median of `runs` (the lower middle for an even count); throttle and forced are the first run's. */
export function medianRun(runs: readonly QemuPrecopyResult[]): QemuPrecopyResult {
  const median = (k: "total_s" | "downtime_s" | "bytes" | "downtime_bytes" | "rounds" | "precopy_s") => runs.map((r) => r[k]).sort((a, b) => a - b)[(runs.length - 1) >> 1];
  return { ...runs[0], total_s: median("total_s"), downtime_s: median("downtime_s"), bytes: median("bytes"), downtime_bytes: median("downtime_bytes"), rounds: median("rounds"), precopy_s: median("precopy_s") };
}

const defaultSpec = migrationSchema.parse({ model: "qemu" });
/** A layout's stretches, made once per layout: calibration predicts each case thousands of times. */
const stretchesOf = new WeakMap<MemoryLayout, { zero: number; fresh: number }[]>();

/** The model for one measured case under `fit`, with the check grid at `checkPhase`, on `layout` if given. */
export function predictAt(row: MeasuredMigration, fit: MigrationFit, spec: MigrationSpec, checkPhase: number, layout?: MemoryLayout): QemuPrecopyResult {
  const memory = row.memoryMiB * MiB;
  const touched = nonzeroMemory(fit.touched, memory, row.workingSetMiB * MiB);
  let stretches = layout && stretchesOf.get(layout);
  if (layout && !stretches) stretchesOf.set(layout, (stretches = layoutStretches(layout)));
  return qemuPrecopy({
    memory,
    touched,
    touchedTail: fit.touchedTail * touched,
    layout: stretches,
    checkPhase,
    bandwidth: row.capMiBps * MiB * fit.bandwidthScale,
    stopCopyRate: fit.stopCopyRate,
    firstCopyRate: fit.firstCopyRate,
    dirtyRate: row.dirtyMiBps * MiB,
    workingSet: Math.min(memory, row.workingSetMiB * MiB + fit.workingSetExtra),
    downtimeLimit: row.downtimeLimitMs / 1000,
    checkInterval: spec.checkInterval,
    maxWait: spec.maxWait,
    pageSize: spec.pageSize,
    pageHeader: spec.pageHeader,
    setup: fit.setup,
    switchover: fit.switchover,
    switchoverBytes: fit.switchoverBytes,
    maxRounds: 10_000,
  });
}

/** Each row's errors in tolerance units (|e| <= 1 is within tolerance). */
export function errors(row: MeasuredMigration, p: QemuPrecopyResult): { total: number; bytes: number; downtime: number; rounds: number } {
  const total = row.totalMs / 1000;
  return {
    total: (p.total_s - total) / (tolerance.totalRel * total),
    bytes: (p.bytes - row.transferredBytes) / (tolerance.bytesRel * row.transferredBytes),
    downtime: (p.downtime_s - row.downtimeMs / 1000) / tolerance.downtime_s,
    rounds: (p.rounds - row.dirtySyncCount) / tolerance.rounds,
  };
}

export function loss(rows: readonly MeasuredMigration[], fit: MigrationFit, opts: PredictOptions = {}): number {
  let s = 0;
  for (const r of rows) {
    const e = errors(r, predict(r, fit, opts));
    s += Math.abs(e.total) + Math.abs(e.bytes) + Math.abs(e.downtime) + Math.abs(e.rounds);
  }
  return s;
}

/** Least squares line through (x, y); a flat line when every x is the same. */
function line(xs: number[], ys: number[]): { a: number; b: number } {
  const n = xs.length, mx = xs.reduce((s, x) => s + x, 0) / n, my = ys.reduce((s, y) => s + y, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

type Searched = "bandwidthScale" | "stopCopyRate" | "firstCopyRate" | "switchover" | "switchoverBytes" | "workingSetExtra" | "touchedTail";
/** Search intervals; stopCopyRate is searched on a log scale. */
const ranges: Record<Searched, [number, number]> = {
  bandwidthScale: [0.8, 1.3],
  stopCopyRate: [Math.log(20e6), Math.log(5e9)],
  firstCopyRate: [Math.log(20e6), Math.log(5e9)],
  switchover: [0, 0.2],
  switchoverBytes: [0, 4 * MiB],
  workingSetExtra: [0, 64 * MiB],
  touchedTail: [0, 1],
};

/** Where coordinate searches start touchedTail; the best of them goes on to the simplex. */
const TAIL_STARTS = [0, 0.25, 0.5];
/** Loss evaluations the simplex may spend (a coordinate search spends 6 x 7 x 11). */
const SIMPLEX_EVALUATIONS = 2400;

/** Fits to each case's median over its repeats (caseMedians). */
export function calibrateMigration(table: readonly MeasuredMigration[], sweeps = 6): MigrationFit {
  const rows = caseMedians(table);
  const mem = rows.map((r) => r.memoryMiB * MiB);
  // measure's dirtier fills its buffer before the migration: the working set is nonzero memory
  // of its own (perWorkingSet 1), and the line is fitted to the rest.
  const nonzero = rows.map((r, i) => Math.max(0, mem[i] - r.duplicatePages * 4096) - r.workingSetMiB * MiB);
  const { a, b } = line(mem, nonzero);
  const setups = rows.map((r) => r.setupMs / 1000).sort((x, y) => x - y);
  const setup = setups[(setups.length - 1) >> 1];
  const fitOf = (pt: Record<Searched, number>): MigrationFit => ({
    bandwidthScale: pt.bandwidthScale,
    stopCopyRate: Math.exp(pt.stopCopyRate),
    firstCopyRate: Math.exp(pt.firstCopyRate),
    switchover: pt.switchover,
    switchoverBytes: pt.switchoverBytes,
    workingSetExtra: pt.workingSetExtra,
    touchedTail: pt.touchedTail,
    setup,
    touched: { base: Math.max(0, a), perMemory: Math.min(1, Math.max(0, b)), perWorkingSet: 1 },
  });
  /** Coordinate search from `start`: the best point and its loss. */
  const coordinateSearch = (start: Record<Searched, number>) => {
    const point = { ...start };
    const interval = { ...ranges };
    let best = loss(rows, fitOf(point));
    for (let s = 0; s < sweeps; s++) {
      for (const k of Object.keys(ranges) as Searched[]) {
        const [lo, hi] = interval[k];
        for (let i = 0; i <= 10; i++) {
          const trial = { ...point, [k]: lo + ((hi - lo) * i) / 10 };
          const l = loss(rows, fitOf(trial));
          if (l < best) {
            best = l;
            point[k] = trial[k];
          }
        }
        const half = (hi - lo) / 4;
        interval[k] = [Math.max(ranges[k][0], point[k] - half), Math.min(ranges[k][1], point[k] + half)];
      }
    }
    return { point, best };
  };
  // From each of a few tails: which part of the downtime the tail explains and which the copy
  // rates and the switch-over do is decided early, and a search rarely changes its mind.
  const origin = { bandwidthScale: 1, stopCopyRate: Math.log(200e6), firstCopyRate: Math.log(200e6), switchover: 0, switchoverBytes: 0, workingSetExtra: 0 };
  const starts = TAIL_STARTS.map((touchedTail) => coordinateSearch({ ...origin, touchedTail }));
  const { point, best } = starts.reduce((x, y) => (y.best < x.best ? y : x));
  // Then a simplex from there, which moves parameters that trade off together (a slower first
  // copy against a longer switch-over).
  const keys = Object.keys(ranges) as Searched[];
  const toPoint = (x: number[]) => Object.fromEntries(keys.map((k, i) => [k, x[i]])) as Record<Searched, number>;
  const polished = simplexMinimum((y) => loss(rows, fitOf(toPoint(y))), keys.map((k) => point[k]), keys.map((k) => ranges[k]), { evaluations: SIMPLEX_EVALUATIONS, step: 0.1 });
  const fitted = fitOf(polished.value < best ? toPoint(polished.x) : point);
  // Rows with their guests' own layouts give the tail no say. The parametric layout, which is
  // what a scenario's VMs get, has it fitted alone on the same rows, the rest kept.
  return rows.some((r) => r.layouts?.length) ? { ...fitted, touchedTail: parametricTail(rows, fitted) } : fitted;
}

/** touchedTail minimising the parametric loss with everything else fixed: a 0.01 grid over [0, 1], then 0.001 around its best. */
function parametricTail(rows: readonly MeasuredMigration[], fit: MigrationFit): number {
  const at = (touchedTail: number) => loss(rows, { ...fit, touchedTail }, { parametric: true });
  const best = (xs: number[]) => xs.map((x) => ({ x, l: at(x) })).reduce((a, b) => (b.l < a.l ? b : a)).x;
  const coarse = best(Array.from({ length: 101 }, (_, i) => i / 100));
  return best(Array.from({ length: 21 }, (_, i) => coarse + (i - 10) / 1000).filter((x) => x >= 0 && x <= 1));
}

/** A scenario fragment: platform.migration for the qemu model with the fitted values. */
export function migrationFragment(rows: readonly MeasuredMigration[], fit: MigrationFit): { platform: { migration: Record<string, unknown> } } {
  const limits = [...new Set(rows.map((r) => r.downtimeLimitMs))];
  const round = (x: number, digits = 6) => Number(x.toPrecision(digits));
  return {
    platform: {
      migration: {
        model: "qemu",
        ...(limits.length === 1 ? { downtimeBudget: limits[0] / 1000 } : {}),
        bandwidthScale: round(fit.bandwidthScale),
        stopCopyRate: round(fit.stopCopyRate),
        firstCopyRate: round(fit.firstCopyRate),
        setup: round(fit.setup),
        switchover: round(fit.switchover),
        switchoverBytes: Math.round(fit.switchoverBytes),
        workingSetExtra: Math.round(fit.workingSetExtra),
        touched: { base: Math.round(fit.touched.base), perMemory: round(fit.touched.perMemory), perWorkingSet: fit.touched.perWorkingSet },
        touchedTail: round(fit.touchedTail),
      },
    },
  };
}
