/**
 * A UUCS testcase started and stopped through the live console's HTTP API (process VMs,
 * cgroup backend): the borrower it starts uses the testcase's CPU level, measured from its
 * threads' own CPU time (schedstat, not wall time), no more and no less than a busy machine
 * allows; a stop ends it; one still running when the run ends is ended with it. An unknown
 * testcase is refused with its reason. The page's state shows the testcase and its borrower; the
 * borrower is journaled in the run's journal before it exists. The output records the actions
 * and the levels.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { csvRecords } from "../../analysis/csv-read.js";
import { which } from "../../sim/live/backends.js";
import { probe } from "../../sim/live/index.js";
import { root, tempDir, writeJson } from "../helpers.js";
import { liveTest } from "./gate.js";
import { poll } from "./poll.js";
import { alive } from "./procfs.js";

const bin = join(root, "bin", "virtuoso.js");
const why = probe("cgroup") ?? (which("setpriv") ? undefined : "setpriv (util-linux) is not installed");

const scenario = {
  name: "console-uucs-live",
  seed: 1,
  duration: 18,
  platform: { hosts: [{ id: "h", scheduler: "vsched", tick: 0.001 }] },
  vms: [{ id: "v", host: "h" }],
  workloads: [{ kind: "batch", id: "b", vm: "v" }],
  // The batch VM held to 10 % of a core, so the borrower has the machine's room to itself.
  policies: {
    vsched: { reservations: [{ vm: "v", period: 0.05, slice: 0.005 }] },
    uucs: { testcases: [{ name: "cpu10", resource: "cpu", profile: "step", levels: [0.1], duration: 600 }] },
  },
  live: { vms: "process" },
};

/** CPU seconds a process's threads have run, from each thread's schedstat (nanoseconds). */
function threadCpu(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => sum + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e9, 0);
  } catch {
    return undefined;
  }
}

/** Processes whose command line has an argument starting with `prefix`. */
function marked(prefix: string): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").some((a) => a.startsWith(prefix));
    } catch {
      return false;
    }
  });
}

type UucsState = { uucs: { current: Record<string, unknown> | null; borrowers: number[] } };

/** The console's current state: the first server-sent event of a fresh stream. */
async function pageState(url: URL): Promise<UucsState> {
  const r = await fetch(new URL(`/events${url.search}`, url));
  const reader = r.body!.getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the event stream ended");
    buf += Buffer.from(value).toString("utf8");
    const end = buf.indexOf("\n\n");
    if (end >= 0) {
      await reader.cancel().catch(() => undefined);
      return JSON.parse(buf.slice(buf.indexOf("data: ") + 6, end));
    }
  }
}

liveTest("live console: a CPU testcase started through the HTTP API borrows its level (threads' CPU time); stop ends it; the run's end ends another; recorded", why, async (t) => {
  const dir = tempDir("console-uucs-live-");
  const out = join(dir, "out");
  const state = mkdtempSync(join(tmpdir(), "uucs-live-state-"));
  const proc = spawn(process.execPath, [bin, "live", writeJson(dir, "s.json", scenario), "--backend", "cgroup", "--console", "-o", out], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, VIRTUOSO_STATE_DIR: state } });
  let stdout = "", stderr = "";
  proc.stdout!.on("data", (d) => (stdout += d));
  proc.stderr!.on("data", (d) => (stderr += d));
  const mark = `virtuoso-uucs-${proc.pid}-`;
  const spinner = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
  try {
    const url = new URL(await poll("the console's URL", () => /console: (http\S+)/.exec(stdout)?.[1], 90));
    const act = async (body: object) => {
      const r = await fetch(new URL(`/action${url.search}`, url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as { admitted?: boolean; reason?: string; problems?: string[] } };
    };
    // The run starts once its processes do: until then, steering is refused.
    let u = await act({ kind: "uucs-start", testcase: "cpu1O" });
    for (const until = Date.now() + 90_000; u.status === 409 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 200));
      u = await act({ kind: "uucs-start", testcase: "cpu1O" });
    }
    t.is(u.status, 400);
    t.regex(u.json.problems?.[0] ?? "", /no testcase "cpu1O" in policies\.uucs\.testcases \(cpu10\)/);
    t.deepEqual(marked(mark), []);
    t.deepEqual(await act({ kind: "uucs-start", testcase: "cpu10" }), { status: 200, json: { admitted: true } });
    const [pid] = await poll("the borrower", () => {
      const m = marked(mark);
      return m.length ? m : undefined;
    }, 30);
    // Journaled in the run's journal, by its mark before it existed and by its id after.
    const journal = readFileSync(join(state, `live-${proc.pid}.jsonl`), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const at = (f: (e: { kind: string; mark?: string; pid?: number }) => boolean) => journal.findIndex(f);
    t.true(at((e) => e.kind === "process" && !!e.mark?.startsWith(mark)) >= 0);
    t.true(at((e) => e.kind === "process" && !!e.mark?.startsWith(mark)) < at((e) => e.kind === "process" && e.pid === pid));
    // The page's state: the testcase running, its level, its borrower.
    const running = await pageState(url);
    t.like(running.uucs.current, { testcase: "cpu10", resource: "cpu", state: "running", level: 0.1 });
    t.deepEqual(running.uucs.borrowers, [pid]);
    // Past its start-up (loading node costs a burst of CPU of its own).
    await poll("the borrower to run", () => (threadCpu(pid) ?? 0) > 0.05, 30);
    // Settled once two windows in a row stay under 1.5 x the level (its runtime's compiler and
    // collector threads work for a while after loading).
    for (let i = 0, calm = 0; calm < 2; i++) {
      const c = threadCpu(pid)!, w = performance.now();
      await new Promise((r) => setTimeout(r, 500));
      calm = (threadCpu(pid)! - c) / ((performance.now() - w) / 1000) < 0.15 ? calm + 1 : 0;
      if (i > 40) throw new Error("the borrower kept using more than 1.5 x its level for 20 s");
    }
    const c0 = threadCpu(pid)!, r0 = threadCpu(spinner.pid!)!, w0 = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const wall = (performance.now() - w0) / 1000;
    const share = (threadCpu(pid)! - c0) / wall, ref = (threadCpu(spinner.pid!)! - r0) / wall;
    t.log(`borrower ${pid}: ${share.toFixed(3)} of a core at level 0.1; a spinner beside it ${ref.toFixed(3)}; load ${readFileSync("/proc/loadavg", "utf8").trim()}`);
    // Never more than the level (it spends a budget of its own CPU time); no less than a busy
    // machine gives a process that sleeps between its busy parts (as in borrow.test.ts).
    t.true(share <= 0.1 * 1.15 + 0.01, `borrowed ${share} at level 0.1`);
    t.true(share >= 0.6 * Math.min(0.1, ref), `borrowed ${share} at level 0.1 while a spinner got ${ref}`);
    t.deepEqual(await act({ kind: "uucs-stop" }), { status: 200, json: { admitted: true } });
    await poll("the borrower to end", () => !alive(pid) && !marked(mark).length, 10);
    const stopped = await pageState(url);
    t.like(stopped.uucs.current, { testcase: "cpu10", state: "stopped", level: 0, last: 0.1 });
    t.deepEqual(stopped.uucs.borrowers, []);
    t.deepEqual(await act({ kind: "uucs-stop" }), { status: 200, json: { admitted: false, reason: "no UUCS testcase is running" } });
    // Another start, left running: the run's end ends it.
    t.deepEqual(await act({ kind: "uucs-start", testcase: "cpu10" }), { status: 200, json: { admitted: true } });
    const [again] = await poll("the second borrower", () => {
      const m = marked(mark);
      return m.length ? m : undefined;
    }, 30);
    await poll("the run's end", () => /the run ended/.test(stderr), 60);
    await poll("the second borrower to end with the run", () => !alive(again) && !marked(mark).length, 10);
    // The run's journal is undone and gone.
    t.deepEqual(readdirSync(state), []);
  } finally {
    spinner.kill("SIGKILL");
    proc.kill("SIGINT");
  }
  const steering = csvRecords(readFileSync(join(out, "steering.csv"), "utf8"));
  t.deepEqual(steering.map((r) => [r.kind, r.target, r.admitted]), [["uucs-start", "cpu10", "1"], ["uucs-stop", "cpu10", "1"], ["uucs-stop", "UUCS", "0"], ["uucs-start", "cpu10", "1"]]);
  const actions = JSON.parse(readFileSync(join(out, "scenario.json"), "utf8")).actions;
  t.deepEqual(actions.map((a: { kind: string }) => a.kind), ["uucs-start", "uucs-stop", "uucs-stop", "uucs-start"]);
  // Recorded at the wall time each acted (rounded to the millisecond when asked; logged as it applies).
  actions.forEach((a: { at: number }, i: number) => t.true(Math.abs(a.at - Number(steering[i].t)) < 0.002, `action ${i} at ${a.at}, applied at ${steering[i].t}`));
  const levels = csvRecords(readFileSync(join(out, "uucs.csv"), "utf8")).map((r) => [r.testcase, r.level, r.state]);
  t.deepEqual(levels, [["cpu10", "0.1", "running"], ["cpu10", "0", "stopped"], ["cpu10", "0.1", "running"], ["cpu10", "0", "stopped"]]);
});
