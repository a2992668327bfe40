/**
 * The `virtuoso` command. Exit codes: 0 success, 2 bad input (one `path: problem` line each,
 * no stack trace), 1 internal error.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import cliProgress from "cli-progress";
import { writeAtomic } from "../analysis/output.js";
import { compare } from "../analysis/compare.js";
import { report } from "../analysis/report.js";
import { benches, findBench, type Figure } from "./bench/index.js";
import { monotonicSeconds } from "./live/index.js";
import { paperFigures, runExperiment } from "./experiments/index.js";
import { runScenario } from "./runner/index.js";
import { loadScenario, scenarioJsonSchema, ScenarioError } from "./scenario/index.js";

class UsageError extends Error {}

const collect = (v: string, prev: string[]) => [...prev, v];
const integer = (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--seed: expected a non-negative integer, got "${v}"`);
  return n;
};

const program = new Command("virtuoso")
  .description("Deterministic simulator and live testbed for the Virtuoso VM systems")
  .version("0.1.0")
  .showHelpAfterError()
  .exitOverride();

program
  .command("run")
  .description("simulate a scenario and write summary.json, CSV tables and SVG figures")
  .argument("<scenario>", "scenario JSON file")
  .option("-o, --out <dir>", "output folder", "out")
  .option("--seed <n>", "override the scenario seed", integer)
  .option("--set <path=value>", "override a scenario field (repeatable)", collect, [])
  .option("-q, --quiet", "no progress bar")
  .action((file: string, o: { out: string; seed?: number; set: string[]; quiet?: boolean }) => {
    const scenario = loadScenario(file, { sets: o.set, seed: o.seed });
    const bar = !o.quiet && process.stderr.isTTY && !scenario.experiment ? progressBar(scenario.duration) : undefined;
    const t0 = monotonicSeconds();
    const result = scenario.experiment
      ? runExperiment(scenario)
      : runScenario(scenario, { progress: bar && ((now) => bar.update(now)), baseDir: dirname(file) });
    const wall = monotonicSeconds() - t0;
    bar?.update(scenario.duration);
    bar?.stop();
    const files = result.stage(o.out, { wall_s: Math.round(wall * 1000) / 1000 }).commit();
    if (!o.quiet) process.stderr.write(`${scenario.name}: ${result.summary.events} events, ${result.summary.simulated_s} s simulated in ${wall.toFixed(2)} s; wrote ${files.length} files to ${o.out}\n`);
  });

program
  .command("sweep")
  .description("run a scenario over a parameter grid with replications on local worker processes; resumes")
  .argument("<scenario>", "scenario JSON file")
  .option("--grid <path=v1,v2,...>", "a grid axis (repeatable)", collect, [])
  .option("--reps <n>", "replications per grid point (default: the scenario's sweep block, else 1)", integer)
  .option("--jobs <n>", "worker processes (default: the number of cores)", integer)
  .option("-o, --out <dir>", "output folder", "sweep")
  .option("--engine <engine>", "local worker processes, or a Slurm job array", "local")
  .option("--partition <p>", "Slurm partition")
  .option("-q, --quiet", "no progress bar")
  .action(async (file: string, o: { grid: string[]; reps?: number; jobs?: number; out: string; quiet?: boolean; engine: string; partition?: string }) => {
    // Loaded on demand: the sweep's statistics pull in mathjs, which a plain run does not need.
    const { parseGrid, sweep, submit } = await import("./sweep/index.js");
    // The command line's grid, or else the scenario's own sweep block.
    const block = loadScenario(file).sweep;
    let grid;
    try {
      grid = o.grid.length ? o.grid.map(parseGrid) : (block?.grid ?? []);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    o.reps ??= block?.reps ?? 1;
    if (o.engine === "slurm") {
      const { job, tasks } = submit({ file, out: o.out, grid, reps: Math.max(1, o.reps), partition: o.partition });
      process.stdout.write(job ? `submitted job ${job} (${tasks} array tasks); merge with: virtuoso collect ${o.out} --wait\n` : `all runs already done; merge with: virtuoso collect ${o.out}\n`);
      return;
    }
    if (o.engine !== "local") throw new UsageError(`sweep: --engine must be local or slurm, got "${o.engine}"`);
    const jobs = Math.max(1, o.jobs ?? availableParallelism());
    const bar = !o.quiet && process.stderr.isTTY ? runsBar() : undefined;
    const t0 = monotonicSeconds();
    const records = await sweep({ file, out: o.out, grid, reps: Math.max(1, o.reps), jobs, onProgress: bar && ((d, n) => (bar.getTotal() !== n && bar.setTotal(n), bar.update(d))) });
    bar?.stop();
    const failed = records.filter((r) => !r.ok).length, resumed = records.filter((r) => r.resumed).length;
    if (!o.quiet) process.stderr.write(`${records.length} runs (${resumed} already done, ${failed} failed) in ${(monotonicSeconds() - t0).toFixed(1)} s; wrote ${o.out}/runs.csv and ${o.out}/summary.csv\n`);
  });

program
  .command("sweep-task", { hidden: true })
  .argument("<dir>")
  .argument("<index>")
  .action(async (dir: string, index: string) => {
    const { runTask } = await import("./sweep/index.js");
    runTask(dir, Number(index));
  });

program
  .command("collect")
  .description("merge a Slurm sweep's run folders into runs.csv and summary.csv")
  .argument("<dir>", "the sweep's output folder")
  .option("--wait", "block until the job array has finished")
  .action(async (dir: string, o: { wait?: boolean }) => {
    const { collect, pending } = await import("./sweep/index.js");
    if (!existsSync(join(dir, "sweep.json"))) throw new UsageError(`collect: ${dir} has no sweep.json`);
    while (o.wait && pending(dir)) await new Promise((r) => setTimeout(r, 2000));
    const recs = await collect(dir);
    process.stderr.write(`${recs.length} runs, ${recs.filter((r) => !r.ok).length} failed; wrote ${join(dir, "runs.csv")} and ${join(dir, "summary.csv")}\n`);
  });

program
  .command("figures")
  .description("regenerate reproduced paper figures (all, or those named) from their scenarios")
  .argument("[names...]", `any of: ${paperFigures.map((f) => f.name).join(", ")}`)
  .option("-o, --out <dir>", "results folder; each figure goes to a subfolder named after it", "results")
  .option("-q, --quiet", "no per-figure lines")
  .action((names: string[], o: { out: string; quiet?: boolean }) => {
    const unknown = names.filter((n) => !paperFigures.some((f) => f.name === n));
    if (unknown.length) throw new UsageError(`figures: unknown figure ${unknown.map((n) => `"${n}"`).join(", ")}; known: ${paperFigures.map((f) => f.name).join(", ")}`);
    const scenarios = fileURLToPath(new URL("../scenarios/", import.meta.url));
    for (const f of paperFigures.filter((x) => names.length === 0 || names.includes(x.name))) {
      const t0 = monotonicSeconds();
      const s = loadScenario(`${scenarios}${f.name}.json`);
      // No wall time in the summary: regenerating gives identical files.
      const r = s.experiment ? runExperiment(s) : runScenario(s, { baseDir: scenarios });
      const files = r.stage(`${o.out}/${f.name}`).commit();
      writeAtomic(`${o.out}/${f.name}/index.html`, report(`${o.out}/${f.name}`));
      if (!o.quiet) process.stderr.write(`${f.name} (${f.paper}): ${files.length} files in ${(monotonicSeconds() - t0).toFixed(1)} s\n`);
    }
  });

program
  .command("live")
  .description("run a scenario's VMs as real processes under a real CPU mechanism (root); writes summary.json and shares.csv")
  .argument("<scenario>", "scenario JSON file")
  .requiredOption("--backend <b>", "signals (VSched's SIGSTOP/SIGCONT dispatcher), deadline (SCHED_DEADLINE) or cgroup (CPU bandwidth)")
  .option("-o, --out <dir>", "output folder", "live")
  .option("--set <path=value>", "override a scenario field (repeatable)", collect, [])
  .action(async (file: string, o: { backend: string; out: string; set: string[] }) => {
    if (!["signals", "deadline", "cgroup"].includes(o.backend)) throw new UsageError(`live: --backend must be signals, deadline or cgroup, got "${o.backend}"`);
    const { runLive, LiveUnavailable } = await import("./live/index.js");
    const s = loadScenario(file, { sets: o.set });
    try {
      const r = await runLive(s, o.backend as "signals" | "deadline" | "cgroup");
      r.stage(o.out).commit();
    } catch (err) {
      if (err instanceof LiveUnavailable) throw new UsageError(err.message);
      throw err;
    }
  });

program
  .command("compare")
  .description("plot what a simulated run predicted against what a live run of the same scenario measured")
  .argument("<sim_dir>", "output of `virtuoso run`")
  .argument("<live_dir>", "output of `virtuoso live`")
  .option("-o, --out <dir>", "where compare.csv and compare.svg go (default: the live folder)")
  .action((simDir: string, liveDir: string, o: { out?: string }) => {
    for (const d of [simDir, liveDir]) if (!existsSync(join(d, "summary.json"))) throw new UsageError(`compare: ${d} has no summary.json`);
    const c = compare(simDir, liveDir);
    const out = o.out ?? liveDir;
    writeAtomic(join(out, "compare.csv"), c.csv);
    writeAtomic(join(out, "compare.svg"), c.svg);
    for (const r of c.rows) process.stdout.write(`${r.quantity.padEnd(24)} predicted ${r.predicted.toFixed(4)}  measured ${r.measured.toFixed(4)}\n`);
  });

program
  .command("report")
  .description("write DIR/index.html: a self-contained page with the run's or sweep's scenario, metrics, figures and tables")
  .argument("<dir>", "output folder of a run, an experiment or a sweep")
  .action((dir: string) => {
    if (!existsSync(dir)) throw new UsageError(`report: no folder ${dir}`);
    writeAtomic(join(dir, "index.html"), report(dir));
    process.stderr.write(`wrote ${join(dir, "index.html")}\n`);
  });

program
  .command("validate")
  .description("check a scenario; print one line per problem and exit 2 if any")
  .argument("<scenario>", "scenario JSON file")
  .option("--set <path=value>", "override a scenario field (repeatable)", collect, [])
  .action((file: string, o: { set: string[] }) => {
    const s = loadScenario(file, { sets: o.set });
    process.stdout.write(`${file}: ok (${s.name}, ${s.platform.hosts.length} hosts, ${s.vms.length} VMs, ${s.workloads.length} workloads)\n`);
  });

program
  .command("schema")
  .description("print (or write) the scenario JSON Schema")
  .option("-o, --out <file>", "write to a file instead of stdout")
  .action((o: { out?: string }) => {
    const text = JSON.stringify(scenarioJsonSchema(), null, 2) + "\n";
    if (o.out) writeAtomic(o.out, text);
    else process.stdout.write(text);
  });

program
  .command("bench")
  .description("run benchmarks; extra `--param value` pairs override a benchmark's parameters")
  .argument("[name]", `one of: ${benches.map((b) => b.name).join(", ")}`)
  .option("--json", "one JSON object per line: {name, value, unit}")
  .option("--list", "list benchmarks and their parameters")
  .allowUnknownOption()
  .allowExcessArguments()
  .action(async (name: string | undefined, o: { json?: boolean; list?: boolean }, cmd: Command) => {
    if (o.list) {
      for (const b of benches) process.stdout.write(`${b.name}: ${b.description} ${JSON.stringify(b.params)}\n`);
      return;
    }
    const extra = cmd.args.slice(name === undefined ? 0 : 1);
    if (name === undefined) return benchAll(!!o.json, extra);
    const bench = findBench(name);
    if (!bench) throw new UsageError(`bench: unknown benchmark "${name}"; try --list`);
    const why = bench.unavailable?.();
    if (why) throw new UsageError(`bench ${bench.name}: not available here: ${why}`);
    const params = { ...bench.params, ...parseParams(extra, bench.params) };
    for (const f of bench.runAsync ? await bench.runAsync(params) : bench.run(params)) printFigure(f, !!o.json);
  });

function parseParams(args: string[], known: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i]?.replace(/^--/, "");
    const value = Number(args[i + 1]);
    if (!args[i]?.startsWith("--") || !(key in known)) throw new UsageError(`bench: unknown parameter "${args[i]}"; known: ${Object.keys(known).join(", ")}`);
    if (!Number.isFinite(value)) throw new UsageError(`bench: --${key} needs a number, got "${args[i + 1]}"`);
    out[key] = value;
  }
  return out;
}

/** Each benchmark in its own process, so peak memory is its own. */
function benchAll(json: boolean, extra: string[]): void {
  for (const b of benches) {
    const why = b.unavailable?.();
    if (why) {
      process.stderr.write(`bench ${b.name}: skipped: ${why}\n`);
      continue;
    }
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], "bench", b.name, ...(json ? ["--json"] : []), ...extra], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (r.status !== 0) throw new Error(`bench ${b.name} failed with exit code ${r.status}`);
  }
}

function printFigure(f: Figure, json: boolean): void {
  process.stdout.write(json ? JSON.stringify(f) + "\n" : `${f.name.padEnd(28)} ${String(f.value).padStart(14)} ${f.unit}\n`);
}

function runsBar(): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar({ format: "{bar} {value}/{total} runs | ETA {eta_formatted}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(1, 0);
  return bar;
}

function progressBar(total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {percentage}% | {value}/{total} simulated s | ETA {eta_formatted}", stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ScenarioError) {
    for (const p of err.problems) process.stderr.write(p + "\n");
    process.exitCode = 2;
  } else if (err instanceof UsageError) {
    process.stderr.write(err.message + "\n");
    process.exitCode = 2;
  } else if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`virtuoso: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
