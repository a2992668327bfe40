/**
 * Simulation against reality: the figures a simulated run predicted beside those a live run
 * of the same scenario measured (each VM's CPU share, each application's rate, and with the
 * VADAPT loop the rate before and after its first applied decision and the time its migrations
 * took; where both runs migrated VMs, their migrations' mean time and downtime and the rate
 * from the last migration's end to the run's end), as a table and a predicted-vs-measured
 * scatter with the diagonal.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chart } from "./chart.js";
import { recordsToRows, toCsv } from "./csv.js";
import { cellNumber, csvRecords } from "./csv-read.js";

export interface Comparison {
  quantity: string;
  predicted: number;
  measured: number;
  difference: number;
}

type Metrics = Record<string, Record<string, unknown>>;
interface RunSummary {
  scenario?: string;
  /** Set by live runs only. */
  backend?: string;
  simulated_s?: number;
  metrics: Metrics;
}

/** Inputs that cannot be compared; the message says which and why. */
export class CompareError extends Error {}

function read(dir: string): RunSummary {
  try {
    const s = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    if (typeof s !== "object" || s === null || typeof s.metrics !== "object") throw new Error("no metrics");
    return s;
  } catch (err) {
    throw new CompareError(`compare: ${dir}/summary.json: not a run's summary (${(err as Error).message})`);
  }
}

const kind = (s: RunSummary) => (s.backend !== undefined ? `a live run (backend ${s.backend})` : "a simulated run");

/** Refuses a pair that is not (simulated, live) of one scenario. */
function check(simDir: string, sim: RunSummary, liveDir: string, live: RunSummary): void {
  const simIsLive = sim.backend !== undefined, liveIsLive = live.backend !== undefined;
  if (simIsLive && !liveIsLive) throw new CompareError(`compare: the arguments are swapped: ${simDir} is ${kind(sim)} and ${liveDir} is ${kind(live)}; usage: virtuoso compare SIM_DIR LIVE_DIR`);
  if (simIsLive) throw new CompareError(`compare: ${simDir} is ${kind(sim)}; the first argument must be the output of \`virtuoso run\``);
  if (!liveIsLive) throw new CompareError(`compare: ${liveDir} is ${kind(live)}; the second argument must be the output of \`virtuoso live\``);
  if (sim.scenario !== live.scenario) throw new CompareError(`compare: the runs are of different scenarios: ${simDir} ran "${sim.scenario}", ${liveDir} ran "${live.scenario}"`);
  const differ = differences(scenarioOf(simDir), scenarioOf(liveDir));
  if (differ.length) {
    const shown = differ.slice(0, 5).join(", ") + (differ.length > 5 ? ` and ${differ.length - 5} more` : "");
    throw new CompareError(`compare: the runs are of different versions of "${sim.scenario}": their scenario.json differ at ${shown}`);
  }
}

/** Fields a simulated and a live run of one scenario may set differently: how live mode runs
 * it, and the seed (live runs are not replays of a random stream). */
const IGNORED = new Set(["live", "seed"]);

function scenarioOf(dir: string): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, "scenario.json"), "utf8"));
  } catch (err) {
    throw new CompareError(`compare: ${dir}/scenario.json: cannot read the scenario the run ran (${(err as Error).message.split("\n")[0]})`);
  }
}

/** Paths (a.b.0.c) where two parsed scenarios differ, outside IGNORED at the top level. */
export function differences(a: unknown, b: unknown, path: string[] = []): string[] {
  const objects = typeof a === "object" && a !== null && typeof b === "object" && b !== null && Array.isArray(a) === Array.isArray(b);
  if (!objects) return Object.is(a, b) ? [] : [path.join(".") || "(scenario)"];
  const ra = a as Record<string, unknown>, rb = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].filter((k) => !(path.length === 0 && IGNORED.has(k)));
  return keys.flatMap((k) => differences(ra[k], rb[k], [...path, k]));
}

export function compare(simDir: string, liveDir: string): { rows: Comparison[]; csv: string; svg: string } {
  const sim = read(simDir), live = read(liveDir);
  check(simDir, sim, liveDir, live);
  const rows: Comparison[] = [];
  const add = (quantity: string, predicted: unknown, measured: unknown) => {
    if (typeof predicted === "number" && typeof measured === "number" && Number.isFinite(predicted) && Number.isFinite(measured)) {
      rows.push({ quantity, predicted, measured, difference: measured - predicted });
    }
  };
  for (const [name, m] of Object.entries(live.metrics)) {
    if ("measured_share" in m) add(`${name} CPU share`, sim.metrics.vsched?.[`${name}.cpu_share`], m.measured_share);
    if ("rate" in m && sim.metrics[name]) add(`${name} supersteps/s`, (sim.metrics[name].supersteps as number) / (sim.simulated_s ?? NaN), m.rate);
  }
  // The loop's first applied decision, as each run logged it: the app's rate over the interval
  // before it and the one after (the loop's own definition, so both sides measure alike).
  const simFirst = firstApplied(simDir), liveFirst = firstApplied(liveDir);
  const app = (sim.metrics.adapt !== undefined ? scenarioAdaptApp(simDir) : undefined) ?? "app";
  if (simFirst && liveFirst) {
    add(`${app} supersteps/s before adaptation`, cellNumber(simFirst.rate_before), cellNumber(liveFirst.rate_before));
    add(`${app} supersteps/s after adaptation`, cellNumber(simFirst.rate_after), cellNumber(liveFirst.rate_after));
  }
  // Migrations, where both runs made some.
  const sa = sim.metrics.adapt, la = live.metrics.adapt;
  if (sa && la && Number(sa.migrations_done) > 0 && Number(la.migrations_done) > 0) add("adapt migration s", sa.migration_s, la.migration_s);
  // Every completed migration each run made (migrations.csv), QEMU's figures live: the mean time and downtime.
  const sm = migrations(simDir), lm = migrations(liveDir);
  if (sm.length && lm.length) {
    const mean = (rows: Record<string, string>[], k: string) => rows.reduce((a, r) => a + cellNumber(r[k]), 0) / rows.length;
    add("migration s (mean)", mean(sm, "total_s"), mean(lm, "total_s"));
    add("migration downtime s (mean)", mean(sm, "downtime_s"), mean(lm, "downtime_s"));
    // What the moves bought: the rate from the last migration's end to the run's end (the
    // decision's rate_after covers the interval after it, while the VMs are still moving).
    const last = (rows: Record<string, string>[]) => Math.max(...rows.map((r) => cellNumber(r.end)));
    add(`${app} supersteps/s after the last migration`, simRateSince(simDir, app, last(sm), sim.simulated_s ?? NaN), liveRateSince(liveDir, app, last(lm)));
  }
  if (rows.length === 0) throw new CompareError(`compare: nothing to compare: no VM's CPU share or application's rate is in both ${simDir} and ${liveDir}`);
  const max = Math.max(0.1, ...rows.flatMap((r) => [r.predicted, r.measured])) * 1.05;
  const svg = chart({
    title: "Simulated against live",
    x: { label: "predicted by simulation (share of a core, supersteps/s, or s)", domain: [0, max] },
    y: { label: "measured live (same unit)", domain: [0, max] },
    series: [
      { name: "x = y", points: [[0, 0], [max, max]], markers: false },
      { name: "quantities", points: rows.map((r) => [r.predicted, r.measured] as [number, number]), kind: "scatter", labels: rows.map((r) => r.quantity) },
    ],
  });
  return { rows, csv: toCsv(recordsToRows(rows, ["quantity", "predicted", "measured", "difference"])), svg };
}

/** The completed migrations of a run's `migrations.csv` (a simulated run's are all completed). */
function migrations(dir: string): Record<string, string>[] {
  const f = join(dir, "migrations.csv");
  if (!existsSync(f)) return [];
  return csvRecords(readFileSync(f, "utf8")).filter((r) => (r.status ?? "completed") === "completed");
}

/** Supersteps per second a simulated run's application completed after t0 (its APP.supersteps.csv), up to the run's end. */
function simRateSince(dir: string, app: string, t0: number, end: number): number {
  const f = join(dir, `${app}.supersteps.csv`);
  if (!existsSync(f) || !(end > t0)) return NaN;
  return csvRecords(readFileSync(f, "utf8")).filter((r) => cellNumber(r.end) > t0 && cellNumber(r.end) <= end).length / (end - t0);
}

/** Supersteps per second of a live run's application from its first progress sample at or after t0 to its last (progress.csv). */
function liveRateSince(dir: string, app: string, t0: number): number {
  const f = join(dir, "progress.csv");
  if (!existsSync(f)) return NaN;
  const p = csvRecords(readFileSync(f, "utf8")).filter((r) => r.app === app && cellNumber(r.t) >= t0).map((r) => [cellNumber(r.t), cellNumber(r.supersteps)]);
  if (p.length < 2) return NaN;
  const [[ta, ka], [tb, kb]] = [p[0], p[p.length - 1]];
  return tb > ta ? (kb - ka) / (tb - ta) : NaN;
}

/** The first applied row of a run's `adapt.decisions.csv`, if it has one. */
function firstApplied(dir: string): Record<string, string> | undefined {
  const f = join(dir, "adapt.decisions.csv");
  if (!existsSync(f)) return undefined;
  return csvRecords(readFileSync(f, "utf8")).find((r) => r.applied === "1");
}

/** The application the scenario's VADAPT loop follows. */
function scenarioAdaptApp(dir: string): string | undefined {
  const s = scenarioOf(dir) as { policies?: { adapt?: { app?: string } } };
  return s.policies?.adapt?.app;
}
