import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupRoot, probe } from "../../sim/live/index.js";
import { NFT } from "../../sim/live/nftap.js";
import { policy, startTime } from "../../sim/live/vm/index.js";
import { root, tempDir, writeJson } from "../helpers.js";
import { leftoverLinks } from "../../sim/live/vm/net.js";
import { liveTest, vmProblem } from "./vm-env.js";

const bin = join(root, "bin", "virtuoso.js");

/** Every live task on the machine: id -> (parent id, start time), from /proc. */
function tasks(): Map<number, { ppid: number; start: number }> {
  const out = new Map<number, { ppid: number; start: number }>();
  for (const d of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      if (f[0] !== "Z") out.set(Number(d), { ppid: Number(f[1]), start: Number(f[19]) });
    } catch {
      // Gone.
    }
  }
  return out;
}

/** Descendants of `pid` (with their start times, so a reused id is not mistaken for one). */
function descendants(pid: number): { pid: number; start: number }[] {
  const all = tasks();
  const found: { pid: number; start: number }[] = [];
  const walk = (p: number) => {
    for (const [c, i] of all) if (i.ppid === p) (found.push({ pid: c, start: i.start }), walk(c));
  };
  walk(pid);
  return found;
}

const alive = (list: { pid: number; start: number }[]) => list.filter((p) => startTime(p.pid) === p.start);

/** Threads of the given processes still under SCHED_DEADLINE. */
const deadline = (list: { pid: number }[]) => list.flatMap((p) => {
  try {
    return readdirSync(`/proc/${p.pid}/task`).map(Number).filter((tid) => policy(tid) === 6);
  } catch {
    return [];
  }
});

async function until(what: string, ok: () => boolean, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startLive(args: string[]): ChildProcess {
  return spawn(process.execPath, [bin, "live", ...args, "--out", join(tempDir("virtuoso-crash-"), "out")], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
}

/** What the kernel shows of a run with process id `pid`: names carry it. */
function traces(pid: number): string[] {
  const out: string[] = [];
  const cg = cgroupRoot();
  if (cg) for (const d of readdirSync(cg.path)) if (d.endsWith(`-${pid}`) && d.startsWith("virtuoso")) out.push(`cgroup ${d}`);
  if (NFT) for (const l of spawnSync(NFT, ["list", "tables"], { encoding: "utf8" }).stdout.split("\n")) if (l.includes(`virtuoso_${pid}`)) out.push(`nft ${l}`);
  for (const l of spawnSync("ip", ["-o", "link"], { encoding: "utf8" }).stdout.split("\n")) if (l.includes(`${pid}`) && /vt|virtuoso/.test(l)) out.push(`link ${l}`);
  for (const [p] of tasks()) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "utf8").includes(`virtuoso-${pid}-`)) out.push(`process ${p}`);
    } catch {
      // Gone.
    }
  }
  return out;
}

const cleanup = () => spawnSync(process.execPath, [bin, "live", "--cleanup"], { cwd: root, encoding: "utf8" });

/** live-vms.json's two reserved VMs running a BSP ring on the run's bridge, watched by VTTIF. */
function networked(): string {
  const doc = JSON.parse(readFileSync(join(root, "scenarios/live-vms.json"), "utf8"));
  doc.workloads = [{ kind: "bsp", id: "app", vms: ["vm1", "vm2"], pattern: "ring", messageBytes: 4096, computeOps: 1e6, supersteps: 1e6 }];
  doc.policies.vttif = { enabled: true, interval: 1 };
  doc.platform.overlay = { enabled: true, mode: "direct" };
  delete doc.$schema;
  return writeJson(tempDir(), "networked.json", doc);
}

const bridgeTable = (pid: number) => (NFT ? spawnSync(NFT, ["list", "tables"], { encoding: "utf8" }).stdout.includes(`bridge virtuoso_${pid}`) : false);

liveTest("SIGKILL of virtuoso live with QEMU VMs under cgroup quotas on the run's bridge, then --cleanup, leaves nothing of the run", vmProblem("cgroup") ?? (NFT ? undefined : "nft is not installed"), async (t) => {
  const child = startLive([networked(), "--backend", "cgroup", "--set", "duration=300"]);
  const pid = child.pid!;
  const group = join(cgroupRoot()!.path, `virtuoso-vm-${pid}`);
  try {
    // Killed once both vCPU threads are in their groups and VTTIF counts on the bridge: mid-run.
    await until("both VMs under their quotas", () => {
      if (child.exitCode !== null) throw new Error(`virtuoso live exited (${child.exitCode})`);
      return ["vm1", "vm2"].every((vm) => existsSync(join(group, vm))) && bridgeTable(pid);
    }, 240);
    const family = descendants(pid);
    t.true(family.length >= 2, "the VMs are the run's children");
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    t.true(existsSync(group), "the killed run left its cgroup behind");
    // Its bridge, its two taps and its bridge table too (QEMU dies with the run, but links and tables stay).
    t.deepEqual(leftoverLinks(pid).sort(), [`vt${pid}-0`, `vt${pid}-1`, `vtbr${pid}`]);
    t.true(bridgeTable(pid));
    const r = cleanup();
    t.is(r.status, 0, r.stderr);
    t.regex(r.stderr, new RegExp(`cgroup ${group}`));
    t.regex(r.stderr, new RegExp(`link vtbr${pid}`));
    t.deepEqual(leftoverLinks(pid), [], "no tap or bridge of the run");
    t.false(bridgeTable(pid), "no nftables bridge table of the run");
    await until("the run's processes to end", () => alive(family).length === 0, 10);
    t.deepEqual(traces(pid), []);
    t.deepEqual(deadline(alive(family)), []);
  } finally {
    child.kill("SIGKILL");
  }
});

liveTest("SIGKILL of virtuoso live with processes under VSched's dispatcher: stopped and SCHED_FIFO workers die with it", probe("signals"), async (t) => {
  const child = startLive(["scenarios/live-vsched.json", "--backend", "signals", "--set", "duration=300"]);
  const pid = child.pid!;
  try {
    // Reserved workers running SCHED_FIFO or stopped: mid-run.
    await until("reserved workers", () => descendants(pid).filter((p) => [1, 2].includes(policy(p.pid) ?? -1)).length >= 3, 60);
    const family = descendants(pid);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    // No cleanup yet: the kernel ends them (parent-death signal).
    await until("the run's workers to end by themselves", () => alive(family).length === 0, 10);
    t.is(cleanup().status, 0);
    t.deepEqual(traces(pid), []);
  } finally {
    child.kill("SIGKILL");
  }
});

liveTest("SIGKILL of virtuoso live with processes under cgroup quotas, then --cleanup, leaves nothing of the run", probe("cgroup"), async (t) => {
  const child = startLive(["scenarios/live-vsched.json", "--backend", "cgroup", "--set", "duration=300"]);
  const pid = child.pid!;
  // One group per reserved VM, virtuoso-PID-VM, directly under the hierarchy's root.
  const root = cgroupRoot()!.path;
  const groups = () => readdirSync(root).filter((d) => d.startsWith(`virtuoso-${pid}-`)).map((d) => join(root, d));
  try {
    await until("workers in their groups", () => groups().length >= 3, 60);
    const family = descendants(pid);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    await until("the run's workers to end", () => alive(family).length === 0, 10);
    const left = groups();
    t.true(left.length >= 3, "the killed run left its cgroups behind");
    const r = cleanup();
    t.is(r.status, 0, r.stderr);
    for (const g of left) t.regex(r.stderr, new RegExp(`cgroup ${g}`));
    t.deepEqual(groups(), []);
    t.deepEqual(traces(pid), []);
  } finally {
    child.kill("SIGKILL");
  }
});

liveTest("SIGHUP ends virtuoso live and undoes everything it did", probe("deadline"), async (t) => {
  const child = startLive(["scenarios/live-vsched.json", "--backend", "deadline", "--set", "duration=300"]);
  const pid = child.pid!;
  try {
    await until("SCHED_DEADLINE workers", () => deadline(descendants(pid)).length >= 3, 60);
    const family = descendants(pid);
    child.kill("SIGHUP");
    const code = await new Promise((r) => child.once("exit", (c) => r(c)));
    t.is(code, 129);
    await until("the run's processes to end", () => alive(family).length === 0, 10);
    t.deepEqual(deadline(alive(family)), []);
    t.deepEqual(traces(pid), []);
  } finally {
    child.kill("SIGKILL");
  }
});
