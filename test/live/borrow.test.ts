/**
 * UUCS borrowing for real: a CPU borrower's measured CPU time (from /proc, not the run's own
 * records) follows the testcase's level, and borrowers and their files are gone after
 * SIGINT, and after SIGKILL plus `uucs cleanup`.
 */
import test from "ava";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { liveTest } from "./gate.js";
import { poll } from "./poll.js";
import { alive } from "./procfs.js";
import { root } from "../helpers.js";

const bin = join(root, "bin", "virtuoso.js");
const why = spawnSync("setpriv", ["--version"]).status === 0 ? (existsSync("/proc/self/stat") ? undefined : "no /proc") : "setpriv (util-linux) is not installed";
const ticks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

function cpuSeconds(pid: number): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return (Number(f[11]) + Number(f[12])) / ticks;
  } catch {
    return undefined;
  }
}

function start(tc: object, state: string): { child: ChildProcess; pids: Promise<number[]>; out: string; done: Promise<number | null>; stderr: () => string } {
  const dir = mkdtempSync(join(tmpdir(), "uucs-test-"));
  const file = join(dir, "tc.json");
  writeFileSync(file, JSON.stringify(tc));
  const out = join(dir, "out");
  const child = spawn(process.execPath, [bin, "uucs", "run", file, "-o", out], { env: { ...process.env, VIRTUOSO_STATE_DIR: state }, stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const pids = poll("borrowers to start", () => {
    const m = /borrowers ([\d ]+)\n/.exec(err);
    return m ? m[1].trim().split(" ").map(Number) : undefined;
  }, 60);
  const done = new Promise<number | null>((r) => child.on("exit", (code, sig) => r(code ?? (sig ? -1 : null))));
  return { child, pids, out, done, stderr: () => err };
}

const state = () => mkdtempSync(join(tmpdir(), "uucs-state-"));

liveTest("uucs: a CPU borrower at a 10 % duty cycle uses 10 % of a core, never more, and no less than a busy machine allows (process CPU time), and Enter records discomfort", why, async (t) => {
  const s = state();
  const run = start({ resource: "cpu", profile: "step", levels: [0.1], duration: 60 }, s);
  const [pid] = await run.pids;
  // A reference beside it: what a process that wants a whole core gets on this machine now.
  const spinner = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
  try {
    await poll("borrower to use CPU", () => (cpuSeconds(pid) ?? 0) > 0.05, 30);
    // Past its start-up (Node loading the program costs a burst of CPU of its own), so the
    // window below measures the duty cycle alone.
    for (let i = 0; ; i++) {
      const c = cpuSeconds(pid)!;
      await new Promise((r) => setTimeout(r, 400));
      if ((cpuSeconds(pid)! - c) / 0.4 < 0.3) break;
      if (i > 50) throw new Error("the borrower kept using more than 30 % of a core for 20 s");
    }
    const c0 = cpuSeconds(pid)!, r0 = cpuSeconds(spinner.pid!)!, w0 = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const wall = (performance.now() - w0) / 1000;
    const share = (cpuSeconds(pid)! - c0) / wall;
    const ref = (cpuSeconds(spinner.pid!)! - r0) / wall;
    const tasks = readdirSync(`/proc/${pid}/task`).map((tid) => readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ")).map((f) => `${f[0]}:${(Number(f[11]) + Number(f[12])) / 100}`);
    t.log(`borrower ${pid}: share ${share.toFixed(3)}, spinner ${ref.toFixed(3)}, threads (state:cpu s) ${tasks.join(" ")}, load ${readFileSync("/proc/loadavg", "utf8").trim()}`);
    t.true(share <= 0.1 * 1.15 + 0.01, `borrowed ${share} of a core at level 0.1`);
    // A sleeper's wake-up credit under CFS gets it its busy part whenever a spinner's fair
    // share is at least that; on a machine busier still, it gets at most what a spinner gets.
    t.true(share >= 0.6 * Math.min(0.1, ref), `borrowed ${share} at level 0.1 while a spinner got ${ref}`);
  } finally {
    spinner.kill("SIGKILL");
  }
  run.child.stdin!.write("\n");
  t.is(await run.done, 0);
  const r = JSON.parse(readFileSync(join(run.out, "uucs.json"), "utf8"));
  t.true(r.discomfort);
  t.is(r.level, 0.1);
  await poll("borrower to end", () => !alive(pid), 10);
  t.deepEqual(readdirSync(s), []);
});

liveTest("uucs: SIGINT removes the borrowers and leaves no output", why, async (t) => {
  const s = state();
  const run = start({ resource: "cpu", profile: "ramp", levels: [0.1, 0.3], duration: 60, threads: 2 }, s);
  const pids = await run.pids;
  t.is(pids.length, 2);
  t.true(pids.every(alive));
  run.child.kill("SIGINT");
  t.is(await run.done, 130);
  await poll("borrowers to end", () => !pids.some(alive), 10);
  t.false(existsSync(run.out));
  t.deepEqual(readdirSync(s), []);
});

liveTest("uucs: after SIGKILL, the borrowers die with the run and `uucs cleanup` removes the disk borrower's folder", why, async (t) => {
  const s = state();
  const run = start({ resource: "disk", profile: "step", levels: [1e6], duration: 60 }, s);
  const [pid] = await run.pids;
  const journal = await poll("journal", () => readdirSync(s).find((f) => f.endsWith(".jsonl")), 10);
  const dir = readFileSync(join(s, journal), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.kind === "dir").path as string;
  await poll("the borrower to write", () => existsSync(join(dir, "borrow.dat")) && readFileSync(join(dir, "borrow.dat")).length > 0, 30);
  run.child.kill("SIGKILL");
  await run.done;
  await poll("borrower to end", () => !alive(pid), 10);
  t.true(existsSync(dir), "a killed run cannot undo its own folder");
  const c = spawnSync(process.execPath, [bin, "uucs", "cleanup"], { env: { ...process.env, VIRTUOSO_STATE_DIR: s }, encoding: "utf8" });
  t.is(c.status, 0);
  t.regex(c.stderr, /removed directory/);
  t.false(existsSync(dir));
  t.deepEqual(readdirSync(s), []);
});

test("uucs: a bad testcase is refused with one line per problem, exit 2, before anything runs", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "uucs-bad-"));
  const file = join(dir, "tc.json");
  writeFileSync(file, JSON.stringify({ resource: "gpu", profile: "ramp", levels: [0.5], duration: -1, colour: 1 }));
  const r = spawnSync(process.execPath, [bin, "uucs", "run", file, "-o", join(dir, "out")], { encoding: "utf8" });
  t.is(r.status, 2);
  t.regex(r.stderr, /^resource: /m);
  t.regex(r.stderr, /^duration: /m);
  t.regex(r.stderr, /^colour: unknown field/m);
  t.false(existsSync(join(dir, "out")));
  writeFileSync(file, JSON.stringify({ resource: "cpu", profile: "ramp", levels: [0.5, 2], duration: 10 }));
  const r2 = spawnSync(process.execPath, [bin, "uucs", "run", file, "-o", join(dir, "out")], { encoding: "utf8" });
  t.is(r2.status, 2);
  t.regex(r2.stderr, /^levels\.1: 2 is more than cpu allows/m);
});
