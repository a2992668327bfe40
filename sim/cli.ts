/**
 * The `virtuoso` command. Exit codes: 0 success, 2 bad input (one `path: problem` line each,
 * no stack trace), 1 internal error.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { projectRoot } from "./source/index.js";
import { ExtensionError, loadExtensions } from "./extensions/index.js";
import { Command, CommanderError } from "commander";
import cliProgress from "cli-progress";
import { writeFileSync } from "node:fs";
import { claim, OutputError, writeAtomic } from "../analysis/output.js";
import { compare, CompareError } from "../analysis/compare.js";
import { report } from "../analysis/report.js";
import { traceEvents } from "../analysis/trace-events.js";
import { Timeline } from "./kernel/index.js";
import { benches, compareBenches, findBench, splitParams, type Bench, type Figure } from "./bench/index.js";
import { monotonicSeconds, ProcLoadSensor, recordLoad } from "./live/index.js";
import { experimentProblems, paperFigures, runExperiment } from "./experiments/index.js";
import { outputProblems, provenance, runScenario, toolVersion } from "./runner/index.js";
import { SimgridPlatform } from "./platform/network/index.js";
import { limits, loadScenario, scenarioJsonSchema, ScenarioError, type LoadOptions, type Scenario } from "./scenario/index.js";

class UsageError extends Error {}

const collect = (v: string, prev: string[]) => [...prev, v];
const positive = (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--max-events: expected a positive number, got "${v}"`);
  return n;
};
const integer = (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || v.trim() === "") throw new UsageError(`expected a non-negative integer, got "${v}"`);
  return n;
};

const program = new Command("virtuoso")
  .description("Deterministic simulator and live testbed for the Virtuoso VM systems")
  .version(toolVersion)
  .showHelpAfterError()
  .exitOverride()
  .option("--load <module>", "import an extension module (a folder that registers policies or workload kinds) first; repeatable", collect, [])
  .hook("preAction", async () => loadExtensions(program.opts<{ load: string[] }>().load));

program
  .command("run")
  .description("simulate a scenario and write summary.json, CSV tables and SVG figures into a new folder")
  .argument("<scenario>", "scenario JSON file")
  .option("-o, --out <dir>", "output folder (must not exist or be empty, unless --force)", "out")
  .option("--force", "replace an existing output folder whole")
  .option("--seed <n>", "override the scenario seed", integer)
  .option("--set <path=value>", "override a scenario field (repeatable)", collect, [])
  .option("--max-events <n>", `refuse runs estimated to process more events than this (default ${limits.events})`, positive)
  .option("--trace <file>", "also write a Chrome trace-event JSON timeline (open in ui.perfetto.dev or chrome://tracing)")
  .option("-q, --quiet", "no progress bar")
  .action((file: string, o: { out: string; force?: boolean; seed?: number; set: string[]; maxEvents?: number; trace?: string; quiet?: boolean }) => {
    const scenario = checked(file, { sets: o.set, seed: o.seed, maxEvents: o.maxEvents });
    if (o.trace && scenario.experiment) throw new UsageError(`--trace: ${file} is an experiment (many runs); trace one of its scenarios instead`);
    const out = claim(o.out, { force: o.force });
    const timeline = o.trace ? new Timeline() : undefined;
    const bar = !o.quiet && process.stderr.isTTY && !scenario.experiment ? progressBar(scenario.duration) : undefined;
    const t0 = monotonicSeconds();
    const result = scenario.experiment
      ? runExperiment(scenario, dirname(file))
      : runScenario(scenario, { progress: bar && ((now) => bar.update(now)), baseDir: dirname(file), beforeRun: injectedFault(), timeline });
    const wall = monotonicSeconds() - t0;
    bar?.update(scenario.duration);
    stopBars();
    const files = result.stage(o.out, { wall_s: Math.round(wall * 1000) / 1000, provenance: provenance(scenario, process.argv.slice(2)) }).commit({ claim: out });
    if (o.trace && timeline) writeAtomic(o.trace, traceEvents(timeline.events, { scenario: scenario.name, source: "simulation", seed: scenario.seed, dropped: Object.fromEntries(timeline.dropped) }));
    if (!o.quiet) process.stderr.write(`${scenario.name}: ${result.summary.events} events, ${result.summary.simulated_s} s simulated in ${wall.toFixed(2)} s; wrote ${files.length} files to ${o.out}\n`);
  });

program
  .command("sweep")
  .description("run a scenario over a parameter grid with replications on local worker processes; resumes")
  .argument("<scenario>", "scenario JSON file")
  .option("--grid <path=v1,v2,...>", "a grid axis (repeatable)", collect, [])
  .option("--reps <n>", "replications per grid point (default: the scenario's sweep block, else 1)", integer)
  .option("--jobs <n>", "worker processes (default: the number of cores)", integer)
  .option("-o, --out <dir>", "sweep folder; rerunning the same sweep into it resumes", "sweep")
  .option("--force", "discard a different sweep found in the folder and start afresh")
  .option("--max-events <n>", `refuse runs estimated to process more events than this (default ${limits.events})`, positive)
  .option("--engine <engine>", "local worker processes, or a Slurm job array", "local")
  .option("--partition <p>", "Slurm partition")
  .option("-q, --quiet", "no progress bar")
  .action(async (file: string, o: { grid: string[]; reps?: number; jobs?: number; out: string; force?: boolean; maxEvents?: number; quiet?: boolean; engine: string; partition?: string }) => {
    if (o.engine !== "local" && o.engine !== "slurm") throw new UsageError(`--engine: must be local or slurm, got "${o.engine}"`);
    if (o.reps === 0) throw new UsageError("--reps: must be at least 1");
    if (o.jobs === 0) throw new UsageError("--jobs: must be at least 1");
    // Loaded on demand: the sweep's statistics pull in mathjs, which a plain run does not need.
    const { parseGrid, plan, sweep, submit } = await import("./sweep/index.js");
    // The command line's grid, or else the scenario's own sweep block.
    const base = checked(file, { maxEvents: o.maxEvents });
    const block = base.sweep;
    let grid;
    try {
      grid = o.grid.length ? o.grid.map(parseGrid) : (block?.grid ?? []);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    // Every run of the grid must validate before anything is written.
    const reps = o.reps ?? block?.reps ?? 1;
    for (const r of plan(base.seed, grid, 1)) checked(file, { sets: r.sets, maxEvents: o.maxEvents }, ` (at grid point ${r.point}: ${r.sets.slice(0, -1).join(" ")})`);
    if (o.engine === "slurm") {
      const { job, tasks } = submit({ file, out: o.out, grid, reps, partition: o.partition, force: o.force });
      process.stdout.write(job ? `submitted job ${job} (${tasks} array tasks); merge with: virtuoso collect ${o.out} --wait\n` : `all runs already done; merge with: virtuoso collect ${o.out}\n`);
      return;
    }
    const jobs = Math.max(1, o.jobs ?? availableParallelism());
    const t0 = monotonicSeconds();
    let bar: cliProgress.SingleBar | undefined;
    const records = await sweep({
      file, out: o.out, grid, reps, jobs, force: o.force,
      onProgress: (d, n) => {
        bar ??= !o.quiet && process.stderr.isTTY ? runsBar() : undefined;
        if (bar && bar.getTotal() !== n) bar.setTotal(n);
        bar?.update(d);
      },
    });
    stopBars();
    const failed = records.filter((r) => !r.ok), resumed = records.filter((r) => r.resumed).length;
    if (!o.quiet || failed.length) process.stderr.write(`${records.length} runs (${resumed} already done, ${failed.length} failed) in ${(monotonicSeconds() - t0).toFixed(1)} s; wrote ${o.out}/runs.csv and ${o.out}/summary.csv\n`);
    if (failed.length) {
      for (const r of failed.slice(0, 5)) process.stderr.write(`run ${r.run.id} failed: ${r.error?.split("\n")[0] ?? "unknown error"}\n`);
      process.stderr.write(`${failed.length} of ${records.length} runs failed; every error is in the error column of ${join(o.out, "runs.csv")}; rerun the same command to retry them\n`);
      process.exitCode = 1;
    }
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
    const failed = recs.filter((r) => !r.ok).length;
    process.stderr.write(`${recs.length} runs, ${failed} failed; wrote ${join(dir, "runs.csv")} and ${join(dir, "summary.csv")}\n`);
    if (failed) process.exitCode = 1;
  });

program
  .command("figures")
  .description("regenerate reproduced paper figures (all, or those named) from their scenarios")
  .argument("[names...]", `any of: ${paperFigures.map((f) => f.name).join(", ")}, migration-qemu (the qemu migration model against QEMU measurements)`)
  .option("-o, --out <dir>", "results folder; each figure goes to a subfolder named after it", "results")
  .option("-q, --quiet", "no per-figure lines")
  .action(async (names: string[], o: { out: string; quiet?: boolean }) => {
    const unknown = names.filter((n) => !paperFigures.some((f) => f.name === n) && n !== "migration-qemu");
    if (unknown.length) throw new UsageError(`figures: unknown figure ${unknown.map((n) => `"${n}"`).join(", ")}; known: ${paperFigures.map((f) => f.name).join(", ")}, migration-qemu`);
    if (names.includes("migration-qemu")) {
      // Not a paper's: the qemu migration model against the committed QEMU measurements.
      const { migrationQemuFigure, parseMeasurements } = await import("./calibrate/index.js");
      const data = `${projectRoot}results/migration-qemu/`;
      const read = (f: string) => parseMeasurements(readFileSync(join(data, f), "utf8"));
      const dir = `${o.out}/migration-qemu/model`;
      claim(dir, { force: true }).commit(
        migrationQemuFigure(read("measurements.csv"), [
          { name: "held-out", mark: "*", table: read("heldout.csv") },
          // The earlier tables, measured while other work loaded the machine (its README).
          { name: "loaded", mark: "†", table: [...read("loaded/measurements.csv"), ...read("loaded/heldout.csv")] },
          // Beyond the fitted grid: other sizes, working set, rates and caps (its README).
          { name: "wide", mark: "‡", table: read("wide.csv") },
        ]),
      );
      if (!o.quiet) process.stderr.write(`migration-qemu: ${dir}\n`);
      names = names.filter((n) => n !== "migration-qemu");
      if (!names.length) return;
    }
    const scenarios = `${projectRoot}scenarios/`;
    for (const f of paperFigures.filter((x) => names.length === 0 || names.includes(x.name))) {
      const t0 = monotonicSeconds();
      const s = checked(`${scenarios}${f.name}.json`);
      const dir = `${o.out}/${f.name}`;
      const out = claim(dir, { force: true });
      // No wall time in the summary: regenerating gives identical files.
      const r = s.experiment ? runExperiment(s, scenarios) : runScenario(s, { baseDir: scenarios });
      const files = r.stage(dir, { provenance: provenance(s) }).commit({ claim: out, finish: (staged) => writeFileSync(join(staged, "index.html"), report(staged)) });
      if (!o.quiet) process.stderr.write(`${f.name} (${f.paper}): ${files.length} files in ${(monotonicSeconds() - t0).toFixed(1)} s\n`);
    }
  });

program
  .command("live")
  .description("run a scenario's VMs as real processes or QEMU VMs under a real CPU mechanism (root); writes summary.json and shares.csv")
  .argument("[scenario]", "scenario JSON file")
  .option("--backend <b>", "signals (VSched's own dispatcher), deadline (SCHED_DEADLINE) or cgroup (CPU bandwidth); default: the scenario's live.backend, else deadline")
  .option("-o, --out <dir>", "output folder (must not exist or be empty, unless --force)", "live")
  .option("--force", "replace an existing output folder whole")
  .option("--set <path=value>", "override a scenario field (repeatable)", collect, [])
  .option("--trace <file>", "also write a Chrome trace-event JSON timeline, in the same tracks as `run --trace`")
  .option("--cleanup", "remove what dead live runs left behind (VMs, processes, cgroups, nftables tables, scheduling classes), then exit")
  .option("--cluster <file>", "run across the cluster's hosts through their agents (cluster init, virtuoso agent); the scenario's hosts are the cluster's")
  .option("--console", "show and steer the run in the web console (process or QEMU VMs); prints its URL (with its token) and stays up after the run until Ctrl-C")
  .option("--port <n>", "--console: port (0: any free one)", "0")
  .option("--bind <addr>", "--console: address to listen on; anything but localhost makes the console reachable from other hosts (the token still guards it)", "127.0.0.1")
  .action(async (file: string | undefined, o: { backend?: string; out: string; force?: boolean; set: string[]; cleanup?: boolean; trace?: string; cluster?: string; console?: boolean; port: string; bind: string }) => {
    if (o.cleanup) {
      const { cleanupDead } = await import("./live/journal.js");
      for (const line of cleanupDead()) process.stderr.write(`removed ${line}\n`);
      return;
    }
    if (!file) throw new UsageError("live: a scenario file is needed (or --cleanup)");
    if (o.cluster) {
      if (o.backend !== undefined) throw new UsageError("--backend: live --cluster reserves no CPU yet, so it takes no backend");
      if (o.trace !== undefined) throw new UsageError("--trace: live --cluster writes no timeline yet");
      if (o.console) throw new UsageError("--console: live --cluster has no console yet");
      const { clusterProblems, loadCluster, runLiveCluster } = await import("./live/cluster/index.js");
      const cluster = loadCluster(o.cluster);
      const s = checked(file, { sets: o.set });
      const problems = clusterProblems(s, cluster);
      if (problems.length) throw new ScenarioError(problems);
      const out = claim(o.out, { force: o.force });
      const { AgentError } = await import("./live/agent/index.js");
      try {
        const r = await runLiveCluster(s, cluster, { log: (l) => process.stderr.write(l + "\n") });
        r.stage(o.out).commit({ claim: out });
      } catch (err) {
        // An agent unreachable, unauthenticated or refusing: no output, the reason on one line.
        if (!(err instanceof AgentError)) throw err;
        out.abandon();
        process.stderr.write(`virtuoso: ${err.message}\n`);
        process.exitCode = 1;
      }
      return;
    }
    if (o.backend !== undefined && !["signals", "deadline", "cgroup"].includes(o.backend)) throw new UsageError(`--backend: must be signals, deadline or cgroup, got "${o.backend}"`);
    const s = checked(file, { sets: o.set });
    const backend = (o.backend ?? s.live?.backend ?? "deadline") as "signals" | "deadline" | "cgroup";
    const { runLive, LiveUnavailable, MachineTooLoaded } = await import("./live/index.js");
    const { liveProblems } = await import("./live/refuse.js");
    // Refused before the output folder is claimed: bad input changes nothing.
    const problems = liveProblems(s);
    if (problems.length) throw new ScenarioError(problems);
    if (o.console) {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected 0..65535, got "${o.port}"`);
      if (o.trace !== undefined) throw new UsageError("--trace: live --console writes no timeline yet");
      const out = claim(o.out, { force: o.force });
      const { startLiveConsole } = await import("./live/console/index.js");
      const c = await startLiveConsole(s, backend, { port, bind: o.bind, out: o.out, claim: out });
      process.stdout.write(`console: ${c.url}\n`);
      try {
        const dir = await c.done;
        process.stderr.write(`console: the run ended; wrote ${dir} (the console stays up until Ctrl-C)\n`);
      } catch (err) {
        await c.close();
        if (err instanceof LiveUnavailable) throw new UsageError(err.message);
        if (!(err instanceof MachineTooLoaded)) throw err;
        process.stderr.write(`virtuoso: ${err.message}\n`);
        process.exitCode = 1;
      }
      return;
    }
    const out = claim(o.out, { force: o.force });
    try {
      const timeline = o.trace ? new Timeline() : undefined;
      const r = await runLive(s, backend, { timeline });
      r.stage(o.out).commit({ claim: out });
      if (o.trace && timeline) writeAtomic(o.trace, traceEvents(timeline.events, { scenario: s.name, source: `live (${backend})`, dropped: Object.fromEntries(timeline.dropped) }));
    } catch (err) {
      if (err instanceof LiveUnavailable) throw new UsageError(err.message);
      // Not bad input and not a bug: the machine kept the mechanism from working; no output.
      if (err instanceof MachineTooLoaded) {
        out.abandon();
        process.stderr.write(`virtuoso: ${err.message}\n`);
        process.exitCode = 1;
        return;
      }
      throw err;
    }
  });

program
  .command("cluster")
  .description("credentials for live runs across hosts")
  .command("init")
  .description("make DIR/: a certificate authority for one cluster, a certificate for the controller and one per host (keys 0600), and DIR/cluster.json")
  .argument("<dir>", "new folder for the cluster's credentials")
  .option("--name <name>", "the cluster's name", "cluster")
  .option("--host <name[=address[:port]]>", "a host that runs an agent (repeatable; address 127.0.0.1 and port 7700 + its position by default)", collect, [])
  .action(async (dir: string, o: { name: string; host: string[] }) => {
    const { clusterInit, parseHostArg } = await import("./live/cluster/index.js");
    if (!o.host.length) throw new UsageError("cluster init: at least one --host is needed");
    const hosts = o.host.map(parseHostArg);
    const bad = hosts.filter((h): h is string => typeof h === "string");
    if (bad.length) throw new ScenarioError(bad);
    if (!/^[A-Za-z_][\w.-]{0,127}$/.test(o.name)) throw new UsageError(`--name: "${o.name}" is not a name`);
    try {
      clusterInit(dir, o.name, hosts as Exclude<(typeof hosts)[number], string>[]);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    process.stderr.write(`wrote ${join(dir, "cluster.json")} and the credentials of the CA, the controller and ${hosts.length} host(s); copy host-NAME.*, qemu-NAME/ and ca.crt to each host\n`);
  });

program.commands.find((c) => c.name() === "cluster")!
  .command("testbed")
  .description("build a scenario's platform as network namespaces on this machine (root), make DIR's credentials, start an agent per host; hold until SIGINT/SIGTERM")
  .argument("<scenario>", "scenario JSON file (platform: switch or two-sites)")
  .argument("<dir>", "new folder for the cluster's credentials and cluster.json")
  .option("--silence <s>", "each agent undoes its run after this many seconds without a request", positive, 5)
  .action(async (file: string, dir: string, o: { silence: number }) => {
    const s = checked(file);
    const { testbedProblems } = await import("./live/cluster/index.js");
    const problems = testbedProblems(s);
    if (problems.length) throw new ScenarioError(problems);
    if (process.getuid?.() !== 0) throw new UsageError("cluster testbed: needs root (network namespaces)");
    if (existsSync(dir) && readdirSync(dir).length) throw new UsageError(`cluster testbed: ${dir} exists and is not empty`);
    const { serveTestbed } = await import("./live/cluster/index.js");
    await serveTestbed(s, dir, { silence: o.silence, log: (l) => process.stderr.write(l + "\n") });
  });

program
  .command("agent")
  .description("serve this host's share of a live cluster run to the cluster's controller (mutually authenticated TLS; root)")
  .requiredOption("--cluster <file>", "the cluster file (cluster init)")
  .requiredOption("--host <name>", "which of the cluster's hosts this is")
  .option("--listen <address:port>", "where to listen (default: 127.0.0.1 and the host's port in the cluster file)")
  .option("--silence <s>", "undo the run after this many seconds without a request from the controller", positive, 5)
  .option("--cleanup", "remove what this host's dead agents left, then exit")
  .action(async (o: { cluster: string; host: string; listen?: string; silence: number; cleanup?: boolean }) => {
    const { loadCluster } = await import("./live/cluster/index.js");
    const { serveAgent, agentStateDir, logLine } = await import("./live/agent/index.js");
    const cluster = loadCluster(o.cluster);
    const me = cluster.host(o.host);
    if (o.cleanup) {
      const { cleanupDead } = await import("./live/journal.js");
      for (const line of cleanupDead(agentStateDir(cluster.name, o.host))) process.stderr.write(`removed ${line}\n`);
      return;
    }
    const m = o.listen === undefined ? undefined : /^((?:\d{1,3}\.){3}\d{1,3}):(\d{1,5})$/.exec(o.listen);
    if (o.listen !== undefined && (!m || Number(m[2]) > 65535)) throw new UsageError(`--listen: "${o.listen}" is not IPV4ADDRESS:PORT`);
    if (process.getuid?.() !== 0) throw new UsageError("agent: needs root (it makes bridges, tunnels, namespaces and nftables tables)");
    const { NFT } = await import("./live/nftap.js");
    if (!NFT) throw new UsageError("agent: nft (nftables) is not installed");
    const agent = await serveAgent(cluster, {
      host: o.host,
      listen: m ? { address: m[1], port: Number(m[2]) } : { address: "127.0.0.1", port: me.port },
      silence: o.silence,
      log: (e) => process.stderr.write(logLine(e)),
    });
    const stop = () => void agent.close().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

program
  .command("uucs")
  .description("UUCS comfort testcases: `uucs run TESTCASE` borrows CPU, memory or disk for real until you press Enter (discomfort); `uucs cleanup` removes what a killed run left")
  .argument("<action>", "run or cleanup")
  .argument("[testcase]", "testcase JSON file (for run)")
  .option("-o, --out <dir>", "output folder for uucs.json and levels.csv", "uucs")
  .option("--force", "replace an existing output folder whole")
  .action(async (action: string, file: string | undefined, o: { out: string; force?: boolean }) => {
    if (action === "cleanup") {
      const { cleanupDead } = await import("./live/journal.js");
      for (const line of cleanupDead()) process.stderr.write(`removed ${line}\n`);
      return;
    }
    if (action !== "run") throw new UsageError(`uucs: unknown action "${action}"; run or cleanup`);
    if (!file) throw new UsageError("uucs run: a testcase file is needed");
    const { loadTestcase } = await import("./uucs/index.js");
    const tc = loadTestcase(file);
    const out = claim(o.out, { force: o.force });
    const { runUucsLive } = await import("./live/uucs.js");
    const { createInterface } = await import("node:readline");
    // Discomfort: a line on stdin (Enter at a terminal).
    const rl = createInterface({ input: process.stdin });
    const discomfort = new Promise<void>((resolve) => rl.once("line", () => resolve()));
    process.stderr.write(`uucs: borrowing ${tc.resource} (${tc.profile}) for ${tc.duration} s; press Enter when uncomfortable\n`);
    const r = await runUucsLive(tc, { discomfort, started: (pids) => process.stderr.write(`uucs: borrowers ${pids.join(" ")}\n`) });
    rl.close();
    const { toCsv, recordsToRows } = await import("../analysis/csv.js");
    const { OutputDir } = await import("../analysis/output.js");
    const dir = new OutputDir(o.out);
    const { levels, pids: _, ...head } = r;
    dir.add("uucs.json", JSON.stringify({ ...head, testcase: tc }, null, 2) + "\n");
    dir.add("levels.csv", toCsv(recordsToRows(levels.map(([t, level]) => ({ t, level })), ["t", "level"])));
    dir.commit({ claim: out });
    process.stdout.write(r.discomfort ? `discomfort at ${r.at_s.toFixed(1)} s, level ${r.level}\n` : `no discomfort; ended at level ${r.level}\n`);
  });

program
  .command("console")
  .description("run a scenario paced in real time in a small web console that shows and steers it; prints the console's URL (with its token)")
  .argument("<scenario>", "scenario JSON file")
  .option("--port <n>", "port (0: any free one)", "0")
  .option("--bind <addr>", "address to listen on; anything but localhost makes the console reachable from other hosts (the token still guards it)", "127.0.0.1")
  .option("--speed <x>", "simulated seconds per wall second", "1")
  .option("--paused", "start paused (step or resume from the page)")
  .option("-o, --out <dir>", "output folder, written when the run ends; its scenario.json replays the steered run", "console")
  .option("--force", "replace an existing output folder whole")
  .action(async (file: string, o: { port: string; bind: string; speed: string; paused?: boolean; out: string; force?: boolean }) => {
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected 0..65535, got "${o.port}"`);
    const speed = Number(o.speed);
    if (!(speed > 0) || !Number.isFinite(speed) || speed > 1e6) throw new UsageError(`--speed: expected a positive number up to 1e6, got "${o.speed}"`);
    const s = checked(file);
    if (s.experiment) throw new UsageError(`console: ${file} is an experiment (many runs); open one of its scenarios instead`);
    const out = claim(o.out, { force: o.force });
    const { startConsole } = await import("./live/console/index.js");
    const c = await startConsole(s, { port, bind: o.bind, speed, paused: !!o.paused, out: o.out, claim: out });
    process.stdout.write(`console: ${c.url}\n`);
    const stop = () => void c.close().then(() => process.exit(130));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const dir = await c.done;
    process.stderr.write(`console: the run ended; wrote ${dir} (the console stays up until Ctrl-C)\n`);
  });

program
  .command("compare")
  .description("plot what a simulated run predicted against what a live run of the same scenario measured")
  .argument("<sim_dir>", "output of `virtuoso run`")
  .argument("<live_dir>", "output of `virtuoso live`")
  .option("-o, --out <dir>", "where compare.csv and compare.svg go (default: the live folder)")
  .action((simDir: string, liveDir: string, o: { out?: string }) => {
    for (const d of [simDir, liveDir]) if (!existsSync(join(d, "summary.json"))) throw new UsageError(`compare: ${d} has no summary.json`);
    let c;
    try {
      c = compare(simDir, liveDir);
    } catch (err) {
      if (err instanceof CompareError) throw new UsageError(err.message);
      throw err;
    }
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
  .option("--seed <n>", "override the scenario seed", integer)
  .option("--max-events <n>", `refuse runs estimated to process more events than this (default ${limits.events})`, positive)
  .action((file: string, o: { set: string[]; seed?: number; maxEvents?: number }) => {
    const s = checked(file, { sets: o.set, seed: o.seed, maxEvents: o.maxEvents });
    process.stdout.write(`${file}: ok (${s.name}, ${s.platform.hosts.length} hosts, ${s.vms.length} VMs, ${s.workloads.length} workloads)\n`);
  });

program
  .command("init")
  .description("write a starter scenario NAME.json (two sites, a BSP application, VTTIF, a sweep block) that validates and runs")
  .argument("<name>", "scenario name; the file is NAME.json unless NAME ends in .json")
  .option("--force", "overwrite an existing file")
  .action(async (arg: string, o: { force?: boolean }) => {
    const file = arg.endsWith(".json") ? arg : `${arg}.json`;
    const name = basename(file, ".json");
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new UsageError(`init: "${name}" is not a scenario name: a letter or _, then letters, digits, _ . -`);
    if (existsSync(file) && !o.force) throw new UsageError(`init: ${file} exists; pass --force to overwrite it`);
    const { starterScenario } = await import("./init/index.js");
    writeAtomic(file, JSON.stringify(starterScenario(name, file), null, 2) + "\n");
    process.stderr.write(`wrote ${file}; next: virtuoso run ${file} --out ${name}-out && virtuoso report ${name}-out\n`);
  });

program
  .command("import")
  .description("write a scenario whose platform is a SimGrid platform file (version 4.1): its hosts, and its links and routes by reference")
  .argument("<format>", "simgrid")
  .argument("<platform>", "SimGrid platform XML file")
  .option("-o, --out <file>", "write to a file instead of stdout")
  .option("--model <name>", "network model: maxmin, cm02 or lv08 (SimGrid's default)", "lv08")
  .action((format: string, file: string, o: { out?: string; model: string }) => {
    if (format !== "simgrid") throw new UsageError(`format: expected "simgrid", got "${format}"`);
    if (!["maxmin", "cm02", "lv08"].includes(o.model)) throw new UsageError(`--model: expected maxmin, cm02 or lv08, got "${o.model}"`);
    let p: SimgridPlatform;
    try {
      p = SimgridPlatform.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new UsageError(`${file}: ${(e as Error).message}`);
    }
    // The file is referenced relative to where the scenario is written.
    const ref = relative(dirname(resolve(o.out ?? "scenario.json")), resolve(file)) || file;
    const scenario = {
      name: basename(file).replace(/\.xml$/i, "").replace(/[^\w.-]/g, "_").replace(/^(?![A-Za-z_])/, "_"),
      duration: 1,
      platform: {
        hosts: p.hosts.map((h) => ({ id: h.id, speed: h.speed, cores: h.cores })),
        network: { topology: { kind: "simgrid", file: ref }, model: o.model },
      },
    };
    const text = JSON.stringify(scenario, null, 2) + "\n";
    if (o.out) writeAtomic(o.out, text);
    else process.stdout.write(text);
  });

program
  .command("measure")
  .description("measure QEMU live migrations on this host (guest sizes x dirty rates x bandwidth caps) and write a CSV for `calibrate migration`")
  .argument("<what>", "migration-qemu")
  .option("--sizes <MiB,...>", "guest memory sizes", "192,256,512")
  .option("--rates <MiB/s,...>", "guest dirty rates", "0,8,24")
  .option("--caps <MiB/s,...>", "QEMU max-bandwidth caps", "32,128")
  .option("--working-set <MiB>", "the guest's dirtied buffer", "64")
  .option("--downtime-limit <ms>", "QEMU downtime-limit", "300")
  .option("--repeat <n>", "measure each case n times, going round the table (calibrate and figures use each case's median)", "1")
  .requiredOption("-o, --out <file>", "CSV to write")
  .action(async (what: string, o: { sizes: string; rates: string; caps: string; workingSet: string; downtimeLimit: string; repeat: string; out: string }) => {
    if (what !== "migration-qemu") throw new UsageError(`measure: unknown measurement "${what}"; known: migration-qemu`);
    const list = (flag: string, v: string, min: number) => {
      const xs = v.split(",").map(Number);
      if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < min)) throw new UsageError(`--${flag}: expected comma-separated integers >= ${min}, got "${v}"`);
      return xs;
    };
    const sizesMiB = list("sizes", o.sizes, 96), ratesMiBps = list("rates", o.rates, 0), capsMiBps = list("caps", o.caps, 1);
    const one = (flag: string, v: string, min: number) => {
      const x = Number(v);
      if (!/^\d+$/.test(v.trim()) || x < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got "${v}"`);
      return x;
    };
    const workingSetMiB = one("working-set", o.workingSet, 1), downtimeLimitMs = one("downtime-limit", o.downtimeLimit, 1), repeat = one("repeat", o.repeat, 1);
    // Debian's cloud kernel and the initrd keep about 59 MiB of a guest; the dirtier keeps 8 more
    // free (it checks MemAvailable itself and says so if a working set does not fit).
    // pmemsave reads guest-physical addresses, which are QEMU's pc.ram, in order, only below
    // the PCI hole (3 GiB on q35 and pc): a larger guest's layout would be misread.
    if (Math.max(...sizesMiB) > 3072) throw new UsageError(`--sizes: at most 3072 MiB (the layout is read below the PCI hole), got ${Math.max(...sizesMiB)}`);
    if (workingSetMiB > Math.min(...sizesMiB) - 72) throw new UsageError(`--working-set: ${workingSetMiB} MiB leaves the smallest guest (${Math.min(...sizesMiB)} MiB) less than 72 MiB for its kernel`);
    const { probeQemu } = await import("./live/vm/qemu.js");
    const { which } = await import("./live/backends.js");
    const why = probeQemu() ?? (which("cc") ? undefined : "cc (a C compiler) is needed to build the guest's memory dirtier");
    if (why) throw new UsageError(`measure: ${why}`);
    const { buildGuest, guestDir } = await import("./live/vm/guest.js");
    const { runCampaign } = await import("./live/migmeasure/index.js");
    // Its own guest folder: the dirtier's initrd differs from other live runs' cached guest.
    const guest = buildGuest(`${guestDir()}-dirty`);
    await runCampaign(guest, { sizesMiB, ratesMiBps, capsMiBps, workingSetMiB, downtimeLimitMs, repeat }, o.out, (l) => process.stderr.write(l + "\n"));
  });

program
  .command("calibrate")
  .description("fit the qemu migration model to measurements (`measure migration-qemu` CSV) and print or write a scenario fragment")
  .argument("<what>", "migration")
  .argument("<csv>", "measurements CSV")
  .option("-o, --out <file>", "write the fragment to a file instead of stdout")
  .action(async (what: string, csv: string, o: { out?: string }) => {
    if (what !== "migration") throw new UsageError(`calibrate: unknown model "${what}"; known: migration`);
    if (!existsSync(csv)) throw new UsageError(`calibrate: no file ${csv}`);
    const { parseMeasurements, calibrateMigration, migrationFragment, MeasurementsError } = await import("./calibrate/index.js");
    let rows;
    try {
      rows = parseMeasurements(readFileSync(csv, "utf8"));
    } catch (err) {
      if (err instanceof MeasurementsError) throw new ScenarioError(err.problems.map((p) => `${csv}: ${p}`));
      throw err;
    }
    const text = JSON.stringify(migrationFragment(rows, calibrateMigration(rows)), null, 2) + "\n";
    if (o.out) writeAtomic(o.out, text);
    else process.stdout.write(text);
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
  .command("record-load")
  .description("record this machine's load (Linux /proc) as a CSV trace of t,level rows, replayable as a host's externalLoad {kind:\"trace\"}")
  .requiredOption("-o, --out <file>", "CSV file to write (atomically, when recording ends or on Ctrl-C)")
  .option("--interval <s>", "seconds between samples", "1")
  .option("--samples <n>", "samples to record", "600")
  .option("--source <name>", "loadavg: the 1-minute load average; busy: busy cores from /proc/stat between samples", "loadavg")
  .action(async (o: { out: string; interval: string; samples: string; source: string }) => {
    const interval = Number(o.interval), samples = Number(o.samples);
    const problems = [
      ...(Number.isFinite(interval) && interval >= 0.01 ? [] : [`--interval: must be a number of seconds >= 0.01, got "${o.interval}"`]),
      ...(Number.isInteger(samples) && samples > 0 ? [] : [`--samples: must be a positive integer, got "${o.samples}"`]),
      ...(o.source === "loadavg" || o.source === "busy" ? [] : [`--source: must be loadavg or busy, got "${o.source}"`]),
      ...(existsSync("/proc/loadavg") && existsSync("/proc/stat") ? [] : ["record-load: needs Linux /proc/loadavg and /proc/stat"]),
    ];
    if (problems.length) throw new ScenarioError(problems);
    let stopped = false;
    const stop = () => (stopped = true);
    process.once("SIGINT", stop).once("SIGTERM", stop);
    const rows = await recordLoad(new ProcLoadSensor(o.source as "loadavg" | "busy"), interval, samples, undefined, () => stopped);
    writeAtomic(o.out, "t,level\n" + rows.map(([t, v]) => `${+t.toFixed(6)},${v}`).join("\n") + "\n");
    process.stderr.write(`record-load: ${rows.length} samples every ${interval} s to ${o.out}\n`);
  });

program
  .command("bench")
  .description("run benchmarks; extra `--param value` pairs override a benchmark's parameters")
  .argument("[name]", `one of: ${benches.map((b) => b.name).join(", ")}`)
  .option("--json", "one JSON object per line: {name, value, unit}")
  .option("--list", "list benchmarks and their parameters")
  .option("--against <ref>", "run NAME and the reference benchmark REF alternately, each in a fresh process; print medians and their ratio")
  .option("--rounds <n>", "rounds of each with --against", integer, 3)
  .allowUnknownOption()
  .allowExcessArguments()
  .action(async (name: string | undefined, o: { json?: boolean; list?: boolean; against?: string; rounds: number }, cmd: Command) => {
    if (o.list) {
      for (const b of benches) process.stdout.write(`${b.name}: ${b.description} ${JSON.stringify(b.params)}\n`);
      return;
    }
    const extra = cmd.args.slice(name === undefined ? 0 : 1);
    if (name === undefined) {
      if (o.against) throw new UsageError("bench: --against needs a benchmark NAME to compare");
      return benchAll(!!o.json, extra);
    }
    const bench = findBench(name);
    if (!bench) throw new UsageError(`bench: unknown benchmark "${name}"; try --list`);
    const why = bench.unavailable?.();
    if (why) throw new UsageError(`bench ${bench.name}: not available here: ${why}`);
    if (o.against !== undefined) return benchAgainst(bench, o.against, o.rounds, extra, !!o.json);
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

function benchAgainst(bench: Bench, refName: string, rounds: number, extra: string[], json: boolean): void {
  const ref = findBench(refName);
  if (!ref) throw new UsageError(`bench: unknown reference benchmark "${refName}"; try --list`);
  if (ref.runAsync || bench.runAsync) throw new UsageError("bench --against: only synchronous benchmarks can be compared");
  if (!(rounds >= 1)) throw new UsageError("--rounds: must be at least 1");
  const both = { ...ref.params, ...bench.params };
  const split = splitParams(parseParams(extra, both), bench, ref);
  // Each run in a fresh process: neither pays for the other's JIT state or garbage.
  const runOnce = (b: Bench, params: Record<string, number>): Figure[] => {
    const args = Object.entries(params).flatMap(([k, v]) => [`--${k}`, String(v)]);
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], "bench", b.name, "--json", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) throw new Error(`bench ${b.name} failed with exit code ${r.status}`);
    return r.stdout.trim().split("\n").map((line) => JSON.parse(line) as Figure);
  };
  for (const f of compareBenches(bench, ref, split, rounds, runOnce)) printFigure(f, json);
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

/**
 * Test hook: VIRTUOSO_INJECT_FAULT_AT=T makes the run fail at simulated time T, as a model bug
 * would, to check that a failed run exits 1 and leaves nothing behind.
 */
function injectedFault(): ((sim: import("./kernel/index.js").Simulation) => void) | undefined {
  const at = Number(process.env.VIRTUOSO_INJECT_FAULT_AT);
  if (!process.env.VIRTUOSO_INJECT_FAULT_AT || !(at >= 0)) return undefined;
  return (sim) => void sim.scheduleAt(at, () => {
    throw new Error(`injected fault at t = ${at}`);
  });
}

/**
 * A scenario loaded and checked as far as possible before any work: schema, references,
 * invariants, estimated work, and the tables it asks for. Warnings go to stderr.
 */
function checked(file: string, opts: LoadOptions = {}, suffix = ""): Scenario {
  try {
    const s = loadScenario(file, { ...opts, warn: (w) => !suffix && process.stderr.write(`warning: ${w}\n`) });
    const problems = [...outputProblems(s, { baseDir: dirname(file) }), ...experimentProblems(s, opts.maxEvents, dirname(file))];
    if (problems.length) throw new ScenarioError(problems);
    return s;
  } catch (err) {
    if (err instanceof ScenarioError && suffix) throw new ScenarioError(err.problems.map((p) => p + suffix));
    throw err;
  }
}

const bars = new Set<cliProgress.SingleBar>();
/** Stops every progress bar, so the terminal is left clean and nothing keeps the process alive. */
function stopBars(): void {
  for (const b of bars) b.stop();
  bars.clear();
}

function runsBar(): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar({ format: "{bar} {value}/{total} runs | ETA {eta_formatted}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(1, 0);
  bars.add(bar);
  return bar;
}

function progressBar(total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {percentage}% | {value}/{total} simulated s | ETA {eta_formatted}", stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  bars.add(bar);
  return bar;
}

/** Ends the process now with `code`, once stderr has drained: nothing left running keeps it alive. */
function exit(code: number): void {
  process.exitCode = code;
  process.stderr.write("", () => process.exit(code));
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  stopBars();
  if (err instanceof ScenarioError) {
    for (const p of err.problems) process.stderr.write(p + "\n");
    exit(2);
  } else if (err instanceof UsageError || err instanceof ExtensionError) {
    process.stderr.write(err.message + "\n");
    exit(2);
  } else if (err instanceof OutputError) {
    process.stderr.write(err.message + "\n");
    exit(err.exitCode);
  } else if (err instanceof CommanderError) {
    exit(err.exitCode === 0 ? 0 : 2);
  } else if (err instanceof RangeError && /call stack|Invalid array length|Invalid string length/.test(err.message)) {
    process.stderr.write(`virtuoso: internal error: ${err.message} (the scenario is larger than this run can hold)\n`);
    exit(1);
  } else {
    process.stderr.write(`virtuoso: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    exit(1);
  }
}
