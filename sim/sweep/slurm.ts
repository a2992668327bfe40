/**
 * The cluster path: a sweep submitted to Slurm as a job array, one array task per run, each
 * writing its own run folder; `collect` merges them into runs.csv and summary.csv once the
 * array has finished. It drives sbatch and squeue as a user would.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { projectRoot } from "../source/index.js";
import { OutputError, writeAtomic } from "../../analysis/output.js";
import { report } from "../../analysis/report.js";
import { runExperiment } from "../experiments/index.js";
import { runScenario } from "../runner/index.js";
import { loadScenario } from "../scenario/index.js";
import { provenance } from "../runner/index.js";
import { readManifest, releaseLock, type Manifest } from "./manifest.js";
import type { GridAxis } from "./plan.js";
import { prepare, readDone, writeTables, type RunRecord } from "./sweep.js";

type SweepFile = Manifest;

function manifest(dir: string): Manifest {
  const m = readManifest(dir);
  if (!m) throw new Error(`${dir} has no sweep.json`);
  return m;
}

const bin = `${projectRoot}bin/virtuoso.js`;

/** Plans the sweep into `out/sweep.json` and submits the runs not yet done; returns the job id. */
export function submit(o: { file: string; out: string; grid: GridAxis[]; reps: number; partition?: string; force?: boolean }): { job: string | undefined; tasks: number } {
  const out = resolve(o.out);
  const previous = readManifest(out);
  if (previous?.job && pending(out)) throw new OutputError(`--out ${o.out}: Slurm job ${previous.job} of this sweep is still queued or running; wait for it (virtuoso collect ${o.out} --wait)`, 2);
  const { manifest: plan, runs, todo } = prepare({ ...o, out });
  if (todo.length === 0) {
    releaseLock(out);
    return { job: undefined, tasks: 0 };
  }
  const indices = todo.map((r) => runs.indexOf(r)).join(",");
  const script = [
    "#!/bin/bash",
    `#SBATCH --job-name=virtuoso-sweep`,
    `#SBATCH --output=${join(out, "slurm", "%A_%a.out")}`,
    `#SBATCH --array=${indices}`,
    "#SBATCH --ntasks=1",
    "#SBATCH --cpus-per-task=1",
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    `exec "${process.execPath}" "${bin}" sweep-task "${out}" "$SLURM_ARRAY_TASK_ID"`,
    "",
  ].join("\n");
  writeAtomic(join(out, "slurm", "job.sh"), script);
  const job = execFileSync("sbatch", ["--parsable", join(out, "slurm", "job.sh")], { encoding: "utf8" }).trim().split(";")[0];
  writeAtomic(join(out, "sweep.json"), JSON.stringify({ ...plan, job }, null, 2) + "\n");
  releaseLock(out);
  return { job, tasks: todo.length };
}

/** One array task: run number `index` of the sweep in `dir`. */
export function runTask(dir: string, index: number): void {
  const plan = manifest(dir);
  const run = plan.runs[index];
  if (!run) throw new Error(`sweep-task: no run ${index} in ${dir}`);
  if (readDone(dir, run)) return;
  const s = loadScenario(plan.file, { sets: run.sets });
  const p = provenance(s);
  if (p.scenario_sha256 !== run.sha256) throw new Error(`sweep-task: the scenario file changed since the sweep was submitted (sha256 ${p.scenario_sha256.slice(0, 12)}, planned ${run.sha256.slice(0, 12)})`);
  const r = s.experiment ? runExperiment(s) : runScenario(s, { baseDir: dirname(plan.file) });
  r.stage(join(dir, "runs", run.id), { provenance: p }).commit({ force: true, finish: (staged) => writeFileSync(join(staged, "index.html"), report(staged)) });
}

/** Whether the sweep's Slurm job still has tasks queued or running. */
export function pending(dir: string): boolean {
  const plan = manifest(dir);
  if (!plan.job) return false;
  return execFileSync("squeue", ["-h", "-j", plan.job, "-o", "%i"], { encoding: "utf8" }).trim() !== "";
}

/** Merges the run folders into runs.csv and summary.csv; runs without results are failures. */
export async function collect(dir: string): Promise<RunRecord[]> {
  const plan = manifest(dir);
  const logs = existsSync(join(dir, "slurm")) ? readdirSync(join(dir, "slurm")) : [];
  const recs = plan.runs.map((run, i): RunRecord => {
    const done = readDone(dir, run);
    if (done) return { ...done, resumed: false };
    const log = logs.find((f) => f.endsWith(`_${i}.out`));
    const tail = log ? readFileSync(join(dir, "slurm", log), "utf8").trim().split("\n").pop() : "no output";
    return { run, ok: false, error: `array task ${i} left no result: ${tail}`, metrics: {}, resumed: false };
  });
  await writeTables({ out: dir, grid: plan.grid }, recs);
  return recs;
}
