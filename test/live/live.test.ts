/**
 * Live backends on a real (and usually busy) machine. Each test asserts what its mechanism
 * guarantees, from per-thread CPU time (schedstat) and the kernel's own counters, never CPU
 * seconds over wall seconds where the mechanism does not promise them.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupRoot, probe, runLive, workerMark, type BackendName } from "../../sim/live/index.js";
import { leftoverTables, NFT } from "../../sim/live/nftap.js";
import { SimCpuControl } from "../../sim/platform/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import { root, tempDir } from "../helpers.js";
import { liveTest } from "./gate.js";
import { unlessTooLoaded } from "./loaded.js";
import { poll } from "./poll.js";
import { alive, childrenOf, policy, processesWith } from "./procfs.js";

const scenario = (sets: string[] = []) => loadScenario(`${root}/scenarios/live-vsched.json`, { sets });
const reserved = ["p1", "p2", "p3"];

interface Row {
  expected_share: number;
  measured_share: number;
  cpu_s: number;
  window_s: number;
  booked_s: number;
  periods: number;
  throttled_periods: number;
  throttled_s: number;
  verdict: string;
}

async function shares(b: BackendName, sets: string[] = ["duration=5.5"]): Promise<Record<string, Row>> {
  return (await runLive(scenario(sets), b)).summary.metrics as unknown as Record<string, Row>;
}

/** This process's workers still alive, once killed ones have had time to be reaped. */
const settled = () => poll("no worker left", () => processesWith(workerMark(process.pid)).length === 0, 5).then(() => [] as number[], () => processesWith(workerMark(process.pid)));

/** Each reserved VM's part of the reserved VMs' CPU time, against its part of their shares. */
function proportions(m: Record<string, Row>): { vm: string; measured: number; expected: number }[] {
  const cpu = reserved.reduce((s, vm) => s + m[vm].cpu_s, 0), share = reserved.reduce((s, vm) => s + m[vm].expected_share, 0);
  return reserved.map((vm) => ({ vm, measured: m[vm].cpu_s / cpu, expected: m[vm].expected_share / share }));
}

function admittedAll(t: { is: (a: unknown, b: unknown, m?: string) => void }, m: Record<string, Row>): void {
  for (const vm of reserved) t.is(m[vm].verdict, "admitted", vm);
}

liveTest("live deadline: each process gets slice/period of a CPU in thread CPU time, within 3 points over 5 s (so their ratios hold too)", probe("deadline"), async (t) => {
  const m = await shares("deadline");
  t.log(JSON.stringify(m));
  admittedAll(t, m);
  // SCHED_DEADLINE admits bandwidth in the kernel: an always-runnable task gets its runtime every period.
  for (const vm of reserved) t.true(Math.abs(m[vm].cpu_s / m[vm].window_s - m[vm].expected_share) <= 0.03, `${vm}: ${m[vm].measured_share} vs ${m[vm].expected_share}`);
  for (const p of proportions(m)) t.true(Math.abs(p.measured - p.expected) <= 0.03, `${p.vm}: ${p.measured} of the reserved CPU time vs ${p.expected}`);
  t.deepEqual(await settled(), []);
});

liveTest("live signals: the dispatcher books slice/period, the kernel's thread CPU time matches its booking, and reserved processes share CPU in the ratio of their reservations", probe("signals"), async (t) => {
  // A run whose dispatcher ran late beyond tolerance throws "machine too loaded" instead.
  const m = await unlessTooLoaded(t, () => shares("signals"));
  t.log(JSON.stringify(m));
  admittedAll(t, m);
  for (const vm of reserved) {
    const { booked_s: booked, cpu_s: cpu, window_s: w } = m[vm];
    t.true(Math.abs(booked / w - m[vm].expected_share) <= 0.03, `${vm}: booked ${booked / w} of a CPU vs ${m[vm].expected_share}`);
    t.true(Math.abs(cpu - booked) <= 0.02 * w, `${vm}: ran ${cpu} s (schedstat) but was booked ${booked} s`);
  }
  for (const p of proportions(m)) t.true(Math.abs(p.measured - p.expected) <= 0.03, `${p.vm}: ${p.measured} of the reserved CPU time vs ${p.expected}`);
  t.deepEqual(await settled(), []);
});

liveTest("live cgroup: a quota is a ceiling: no process runs beyond slice/period, and cpu.stat shows each was throttled at it", probe("cgroup"), async (t) => {
  const m = await shares("cgroup");
  t.log(JSON.stringify(m));
  admittedAll(t, m);
  for (const vm of reserved) {
    const r = m[vm];
    t.true(r.cpu_s > 0, `${vm} ran`);
    // CFS bandwidth: at most one quota per period, plus one period's worth at the window's edges.
    t.true(r.cpu_s / r.window_s <= r.expected_share + 0.01, `${vm}: ${r.cpu_s / r.window_s} of a CPU over its ceiling ${r.expected_share}`);
    t.true(r.throttled_periods > 0 && r.throttled_s > 0, `${vm}: throttled in ${r.throttled_periods} of ${r.periods} periods, ${r.throttled_s} s`);
    const period = scenario().policies.vsched.reservations.find((x) => x.vm === vm)!.period;
    t.true(r.periods <= r.window_s / period + 2, `${vm}: ${r.periods} periods in ${r.window_s} s`);
  }
  t.deepEqual(await settled(), []);
});

liveTest("a request beyond the bound is rejected live with the simulator's message", probe("cgroup"), async (t) => {
  const s = scenario(['policies.vsched.reservations.3={"vm":"batch","period":0.1,"slice":0.04}', "duration=1.5"]);
  const live = await runLive(s, "cgroup");
  const sim = runScenario(s);
  const liveVerdict = (live.summary.metrics as Record<string, { verdict: string }>).batch.verdict;
  t.is(liveVerdict, "utilization 1.10 > 0.95");
  t.is(sim.summary.metrics.vsched["batch.rejected"], liveVerdict);
  t.deepEqual(new SimCpuControl(sim.world).reserve("batch", { period: 0.1, slice: 0.04 }), { admitted: false, reason: liveVerdict });
});

liveTest("the same VSched class schedules the simulated and the live run to the same shares", probe("signals"), async (t) => {
  const s = scenario(["duration=5.5"]);
  const sim = runScenario(s).summary.metrics.vsched;
  const live = (await unlessTooLoaded(t, () => runLive(s, "signals"))).summary.metrics as Record<string, { measured_share: number }>;
  for (const vm of reserved) t.true(Math.abs((sim[`${vm}.cpu_share`] as number) - live[vm].measured_share) <= 0.03, `${vm}: sim ${sim[`${vm}.cpu_share`]} live ${live[vm].measured_share}`);
});

/** Evidence that a `virtuoso live` run has applied its mechanism, from /proc and the cgroup tree. */
const applied: Record<BackendName, (run: number, workers: number[]) => boolean> = {
  signals: (_run, workers) => workers.some((w) => policy(w) === 1),
  deadline: (_run, workers) => workers.some((w) => policy(w) === 6),
  cgroup: (run) => runGroups(run).some((g) => read(join(cgroupRoot()!.path, g, "cgroup.procs")).trim() !== ""),
};

const read = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

/** The run's nftables table, if it is there. */
const tableOf = (run: number) => leftoverTables().filter((l) => l.trim().endsWith(` virtuoso_${run}`));

const runGroups = (run: number) => {
  const cg = cgroupRoot();
  return cg ? readdirSync(cg.path).filter((d) => d.startsWith(`virtuoso-${run}-`)) : [];
};

for (const b of ["signals", "deadline", "cgroup"] as BackendName[]) {
  liveTest(`live ${b}: SIGINT halfway leaves no cgroup, stopped or orphaned process, or SCHED_DEADLINE task`, probe(b), async (t) => {
    const out = join(tempDir(), "live");
    const child = spawn(process.execPath, [join(root, "bin/virtuoso.js"), "live", "scenarios/live-vsched.json", "--backend", b, "--out", out], { cwd: root, stdio: "ignore" });
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    const mark = workerMark(child.pid!);
    // Every worker this run started, seen while it runs; then the mechanism in force.
    const seen = new Set<number>();
    await poll(`the run's workers under ${b}`, () => {
      for (const w of processesWith(mark)) seen.add(w);
      return seen.size >= 4 && applied[b](child.pid!, [...seen]);
    }, 60);
    child.kill("SIGINT");
    t.is(await exited, 130);
    t.deepEqual(await poll("the workers gone", () => [...seen].every((w) => !alive(w)) && [], 5).catch(() => [...seen].filter(alive)), []);
    t.deepEqual([...seen].filter((w) => policy(w) === 6), [], "no SCHED_DEADLINE task left");
    t.deepEqual(runGroups(child.pid!), []);
    t.false(existsSync(join(out, "summary.json")), "an interrupted run writes no output");
  });
}

liveTest("live signals: a dispatcher kept from running (stopped 30 times for 30 ms) fails the run with \"machine too loaded\", exit 1, no output, nothing left", probe("signals"), async (t) => {
  const out = join(tempDir(), "live");
  const child = spawn(process.execPath, [join(root, "bin/virtuoso.js"), "live", "scenarios/live-vsched.json", "--backend", "signals", "--set", "duration=4", "--out", out], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  const mark = workerMark(child.pid!);
  const seen = new Set<number>();
  await poll("the run's reserved workers", () => {
    for (const w of processesWith(mark)) seen.add(w);
    return applied.signals(child.pid!, [...seen]);
  }, 60);
  const nap = (ms: number) => new Promise((r) => setTimeout(r, ms));
  for (let i = 0; i < 30; i++) {
    child.kill("SIGSTOP");
    await nap(30);
    child.kill("SIGCONT");
    await nap(30);
  }
  t.is(await exited, 1);
  t.regex(stderr, /machine too loaded: the signals dispatcher's timers ran [\d.]+ ms late/);
  t.false(existsSync(join(out, "summary.json")));
  t.deepEqual(await poll("the workers gone", () => [...seen].every((w) => !alive(w)) && [], 5).catch(() => [...seen].filter(alive)), []);
});

const noNft = probe("cgroup") ?? (NFT ? undefined : "nft (nftables) is not installed");

liveTest("live VTTIF classifies the real BSP program's ring, then all-to-all, from nftables counters, and removes its table", noNft, async (t) => {
  // The run ends once VTTIF reports all-to-all: a slow machine takes longer, not fails.
  const s = loadScenario(`${root}/scenarios/live-vttif.json`, { sets: ["duration=90"] });
  const r = await runLive(s, "cgroup", { until: (p) => p.topology === "all-to-all" });
  const m = r.summary.metrics as Record<string, Record<string, unknown>>;
  t.log(m.vttif.history, JSON.stringify(m.app), r.summary.wall_s);
  const history = String(m.vttif.history).split(" ").map((x) => x.split(":")[1]);
  t.is(history[0], "ring");
  t.is(history[history.length - 1], "all-to-all");
  t.true((m.app.supersteps as number) > 150, "the ring's 150 supersteps were done before all-to-all");
  t.deepEqual(tableOf(process.pid), []);
  t.deepEqual(await settled(), []);
});

liveTest("the live interactive prober times its own bursts, and writes a shares figure", probe("cgroup"), async (t) => {
  const s = loadScenario(`${root}/scenarios/live-vsched.json`, {
    sets: ['workloads.3={"kind":"interactive","id":"desk","vm":"batch","thinkTime":0.1,"burstOps":5e6}', "duration=3"],
  });
  const r = await runLive(s, "cgroup");
  const desk = (r.summary.metrics as Record<string, Record<string, number>>).desk;
  t.true(desk.requests >= 5, `${desk.requests} requests`);
  t.true(desk.mean_response_s > 0 && desk.mean_response_s < 1);
  t.regex(r.stage(tempDir()).files.get("shares.svg")!, /^<svg/);
  t.deepEqual(await settled(), []);
});

liveTest("live VTTIF: SIGINT halfway deletes the nftables table and leaves no rank process", noNft, async (t) => {
  const out = join(tempDir(), "live");
  const child = spawn(process.execPath, [join(root, "bin/virtuoso.js"), "live", "scenarios/live-vttif.json", "--backend", "cgroup", "--out", out], { cwd: root, stdio: "ignore" });
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  const ranks = new Set<number>();
  await poll("the run's table and its 4 ranks", () => {
    for (const c of childrenOf(child.pid!)) if (read(`/proc/${c}/cmdline`).includes("bsp-rank")) ranks.add(c);
    return ranks.size === 4 && tableOf(child.pid!).length === 1;
  }, 60);
  child.kill("SIGINT");
  t.is(await exited, 130);
  t.deepEqual(tableOf(child.pid!), []);
  t.deepEqual(await poll("the ranks gone", () => [...ranks].every((p) => !alive(p)) && [], 5).catch(() => [...ranks].filter(alive)), []);
});
