import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupRoot, probe, runLive, WORKER_MARK, type BackendName } from "../../sim/live/index.js";
import { leftoverTables } from "../../sim/live/nftap.js";
import { SimCpuControl } from "../../sim/platform/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import { root, tempDir } from "../helpers.js";

const backends: BackendName[] = ["signals", "deadline", "cgroup"];
const scenario = (sets: string[] = []) => loadScenario(`${root}/scenarios/live-vsched.json`, { sets });

/** Processes whose command line contains `mark`. */
function processesWith(mark: string): string[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(mark);
    } catch {
      return false;
    }
  });
}

/** Our workers still alive. */
const leftovers = () => processesWith(WORKER_MARK);

/** Leftovers once killed processes have had a moment to be reaped. */
async function settled(): Promise<string[]> {
  for (let i = 0; i < 20 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  return leftovers();
}

function deadlineTasks(): number {
  let n = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[38]) === 6) n++;
    } catch {
      // Gone.
    }
  }
  return n;
}

for (const b of backends) {
  const why = probe(b);
  if (why) console.log(`live ${b} tests skipped: ${why}`);
  (why ? test.skip : test.serial)(`live ${b}: each admitted process gets slice/period of a CPU within 3 points over 5 s`, async (t) => {
    const r = await runLive(scenario(["duration=5.5"]), b);
    const m = r.summary.metrics as Record<string, { expected_share: number; measured_share: number; verdict: string }>;
    const admitted = ["p1", "p2", "p3"].filter((vm) => m[vm].verdict === "admitted");
    t.log(JSON.stringify(m));
    t.true(admitted.length >= 1, "at least one reservation admitted");
    for (const vm of admitted) t.true(Math.abs(m[vm].measured_share - m[vm].expected_share) <= 0.03, `${vm}: ${m[vm].measured_share} vs ${m[vm].expected_share}`);
    t.deepEqual(await settled(), []);
  });
}

(probe("cgroup") ? test.skip : test.serial)("a request beyond the bound is rejected live with the simulator's message", async (t) => {
  const s = scenario(['policies.vsched.reservations.3={"vm":"batch","period":0.1,"slice":0.04}', "duration=1.5"]);
  const live = await runLive(s, "cgroup");
  const sim = runScenario(s);
  const liveVerdict = (live.summary.metrics as Record<string, { verdict: string }>).batch.verdict;
  t.is(liveVerdict, "utilization 1.10 > 0.95");
  t.is(sim.summary.metrics.vsched["batch.rejected"], liveVerdict);
  t.deepEqual(new SimCpuControl(sim.world).reserve("batch", { period: 0.1, slice: 0.04 }), { admitted: false, reason: liveVerdict });
});

(probe("signals") ? test.skip : test.serial)("the same VSched class schedules the simulated and the live run to the same shares", async (t) => {
  const s = scenario(["duration=5.5"]);
  const sim = runScenario(s).summary.metrics.vsched;
  const live = (await runLive(s, "signals")).summary.metrics as Record<string, { measured_share: number }>;
  for (const vm of ["p1", "p2", "p3"]) t.true(Math.abs((sim[`${vm}.cpu_share`] as number) - live[vm].measured_share) <= 0.03, `${vm}: sim ${sim[`${vm}.cpu_share`]} live ${live[vm].measured_share}`);
});

for (const b of backends) {
  (probe(b) ? test.skip : test.serial)(`live ${b}: SIGINT halfway leaves no cgroup, stopped or orphaned process, or SCHED_DEADLINE task`, async (t) => {
    const before = deadlineTasks();
    const out = join(tempDir(), "live");
    const child = spawn(process.execPath, [join(root, "bin/virtuoso.js"), "live", "scenarios/live-vsched.json", "--backend", b, "--out", out], { cwd: root, stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 3500));
    t.true(leftovers().length >= 4, "workers were running");
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    t.is(code, 130);
    t.deepEqual(await settled(), []);
    t.is(deadlineTasks(), before);
    const cg = cgroupRoot();
    if (cg) t.deepEqual(readdirSync(cg.path).filter((d) => d.startsWith("virtuoso-")), []);
    t.false(existsSync(join(out, "summary.json")), "an interrupted run writes no output");
  });
}

const noNft = probe("cgroup") ?? (existsSync("/usr/sbin/nft") ? undefined : "nft (nftables) is not installed");
if (noNft) console.log(`live VTTIF test skipped: ${noNft}`);

(noNft ? test.skip : test.serial)("live VTTIF classifies the real BSP program's ring, then all-to-all, from nftables counters, and removes its table", async (t) => {
  const r = await runLive(loadScenario(`${root}/scenarios/live-vttif.json`, { sets: ["duration=10"] }), "cgroup");
  const m = r.summary.metrics as Record<string, Record<string, unknown>>;
  t.log(m.vttif.history);
  const history = String(m.vttif.history).split(" ").map((x) => x.split(":")[1]);
  t.is(history[0], "ring");
  t.true(history.includes("all-to-all"));
  t.true(history.indexOf("all-to-all") > history.indexOf("ring"));
  t.true((m.app.supersteps as number) > 150);
  t.deepEqual(leftoverTables(), []);
  t.deepEqual(await settled(), []);
});

(probe("cgroup") ? test.skip : test.serial)("the live interactive prober times its own bursts, and writes a shares figure", async (t) => {
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

(noNft ? test.skip : test.serial)("live VTTIF: SIGINT halfway deletes the nftables table and leaves no rank process", async (t) => {
  const out = join(tempDir(), "live");
  const child = spawn(process.execPath, [join(root, "bin/virtuoso.js"), "live", "scenarios/live-vttif.json", "--backend", "cgroup", "--out", out], { cwd: root, stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 5000));
  t.is(leftoverTables().length, 1, "the run's table exists while it runs");
  child.kill("SIGINT");
  t.is(await new Promise<number | null>((r) => child.on("exit", (c) => r(c))), 130);
  t.deepEqual(leftoverTables(), []);
  const ranks = () => processesWith("bsp-rank.ts");
  for (let i = 0; i < 20 && ranks().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(ranks(), []);
});
