/**
 * Sweeps: many runs of one scenario over a parameter grid with replications, on local worker
 * processes. Each run writes its own folder; a run whose summary.json exists and carries the
 * scenario hash its plan expects is done, so re-running the same command resumes (and a
 * changed scenario or grid is refused, see manifest.ts). A crashed run is recorded with its error and the
 * sweep goes on. runs.csv has a row per run; summary.csv the mean, standard deviation and
 * 95% confidence interval of every metric at every grid point.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { nodeProgram } from "../source/index.js";
import { recordsToRows, toCsv, type Cell } from "../../analysis/csv.js";
import { writeAtomic } from "../../analysis/output.js";
import { report } from "../../analysis/report.js";
import { scenarioHash, toolVersion } from "../runner/index.js";
import { loadScenario } from "../scenario/index.js";
import { claimSweepFolder, releaseLock, type Manifest, type ManifestRun } from "./manifest.js";
import { plan, type GridAxis } from "./plan.js";

export interface SweepOptions {
  file: string;
  out: string;
  grid: GridAxis[];
  reps: number;
  jobs: number;
  /** Discard a different sweep found in `out` and start afresh. */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface RunRecord {
  run: ManifestRun;
  ok: boolean;
  error?: string;
  metrics: Record<string, number>;
  resumed: boolean;
}

const worker = nodeProgram(new URL("./worker.ts", import.meta.url));

export interface Prepared {
  manifest: Manifest;
  runs: ManifestRun[];
  records: Map<string, RunRecord>;
  todo: ManifestRun[];
}

/**
 * The runs of a sweep, every one validated and hashed before anything is written, then the
 * folder claimed (`claimSweepFolder`) and the runs already done read back.
 */
export function prepare(o: Pick<SweepOptions, "file" | "out" | "grid" | "reps" | "force">): Prepared {
  const base = loadScenario(o.file);
  const runs: ManifestRun[] = plan(base.seed, o.grid, o.reps).map((r) => ({ ...r, sha256: scenarioHash(loadScenario(o.file, { sets: r.sets })) }));
  const manifest: Manifest = { tool: "virtuoso", version: toolVersion, file: resolve(o.file), scenario_sha256: scenarioHash(base), grid: o.grid, reps: o.reps, runs };
  claimSweepFolder(o.out, manifest, !!o.force);
  const records = new Map<string, RunRecord>();
  const todo: ManifestRun[] = [];
  for (const run of runs) {
    const done = readDone(o.out, run);
    if (done) records.set(run.id, done);
    else todo.push(run);
  }
  return { manifest, runs, records, todo };
}

/** A finished run's record, from its folder; undefined if it has not finished or ran another scenario. */
export function readDone(out: string, run: ManifestRun): RunRecord | undefined {
  const file = join(out, "runs", run.id, "summary.json");
  if (!existsSync(file)) return undefined;
  let summary: { metrics?: unknown; provenance?: { scenario_sha256?: string } };
  try {
    summary = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  if (summary.provenance?.scenario_sha256 !== run.sha256) return undefined;
  return { run, ok: true, metrics: flatten(summary.metrics), resumed: true };
}

export async function sweep(o: SweepOptions): Promise<RunRecord[]> {
  const { runs, records, todo } = prepare(o);
  let done = records.size;
  o.onProgress?.(done, runs.length);
  await new Promise<void>((resolve) => {
    if (todo.length === 0) return resolve();
    let active = 0;
    const start = () => {
      const w: ChildProcess = fork(worker.file, [], { execArgv: worker.execArgv, stdio: ["ignore", "ignore", "pipe", "ipc"] });
      let current: ManifestRun | undefined;
      let stderr = "";
      w.stderr?.on("data", (d) => (stderr += String(d)));
      const next = () => {
        current = todo.shift();
        if (!current) {
          w.kill();
          return;
        }
        w.send({ file: o.file, dir: join(o.out, "runs", current.id), sets: current.sets, id: current.id, sha256: current.sha256 });
      };
      const finish = (rec: RunRecord) => {
        records.set(rec.run.id, rec);
        done++;
        o.onProgress?.(done, runs.length);
      };
      w.on("message", (m: { id: string; ok: boolean; summary?: { metrics: unknown }; error?: string }) => {
        if (current) finish({ run: current, ok: m.ok, error: m.error, metrics: m.ok ? flatten(m.summary!.metrics) : {}, resumed: false });
        next();
      });
      w.on("exit", (code) => {
        active--;
        // A worker that died mid-run: record the run as crashed and carry on with a new worker.
        if (current && !records.has(current.id)) {
          finish({ run: current, ok: false, error: `worker exited with code ${code}: ${stderr.trim().split("\n").pop() ?? ""}`, metrics: {}, resumed: false });
          if (todo.length > 0) {
            active++;
            start();
          }
        }
        if (active === 0) resolve();
      });
      active++;
      next();
    };
    for (let i = 0; i < Math.min(o.jobs, todo.length); i++) start();
  });
  const ordered = runs.map((r) => records.get(r.id)!);
  await writeTables(o, ordered);
  releaseLock(o.out);
  return ordered;
}

export async function writeTables(o: Pick<SweepOptions, "out" | "grid">, recs: RunRecord[]): Promise<void> {
  // mathjs is slow to load; only the summary needs it.
  const { summarize } = await import("../../analysis/stats.js");
  const paths = o.grid.map((g) => g.path);
  const metrics = [...new Set(recs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const runRows = recs.map((r) => {
    const row: Record<string, Cell> = { id: r.run.id, point: r.run.point, rep: r.run.rep, seed: r.run.seed, status: r.ok ? "ok" : "failed", error: r.error ?? "" };
    for (const p of paths) row[p] = JSON.stringify(r.run.values[p]);
    for (const m of metrics) row[m] = r.metrics[m];
    return row;
  });
  writeAtomic(join(o.out, "runs.csv"), toCsv(recordsToRows(runRows, ["id", "point", "rep", "seed", ...paths, "status", "error", ...metrics])));
  const summary: Record<string, Cell>[] = [];
  const points = [...new Set(recs.map((r) => r.run.point))].sort((a, b) => a - b);
  for (const point of points) {
    const mine = recs.filter((r) => r.run.point === point && r.ok);
    const first = recs.find((r) => r.run.point === point)!;
    for (const m of metrics) {
      const xs = mine.map((r) => r.metrics[m]).filter((x) => Number.isFinite(x));
      if (xs.length === 0) continue;
      const s = summarize(xs);
      const row: Record<string, Cell> = { point, metric: m, n: s.n, mean: s.mean, sd: s.sd, ci95_lo: s.lo, ci95_hi: s.hi };
      for (const p of paths) row[p] = JSON.stringify(first.run.values[p]);
      summary.push(row);
    }
  }
  writeAtomic(join(o.out, "summary.csv"), toCsv(recordsToRows(summary, ["point", ...paths, "metric", "n", "mean", "sd", "ci95_lo", "ci95_hi"])));
  writeAtomic(join(o.out, "index.html"), report(o.out));
}

/** Numeric metrics as "workload.metric" columns (booleans as 0/1). */
function flatten(metrics: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [w, ms] of Object.entries(metrics as Record<string, Record<string, unknown>>)) {
    for (const [k, v] of Object.entries(ms)) {
      if (typeof v === "number") out[`${w}.${k}`] = v;
      else if (typeof v === "boolean") out[`${w}.${k}`] = v ? 1 : 0;
      else if (v === null) out[`${w}.${k}`] = NaN;
    }
  }
  return out;
}
