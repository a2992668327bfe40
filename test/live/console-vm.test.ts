/**
 * The live console on QEMU VMs (live.vms "qemu", cgroup backend), through its HTTP API: each
 * VM's share on the page is its vCPU threads' CPU time over the last half second, and agrees
 * with the test's own reading of the vCPU thread (schedstat, found by QEMU's thread name); a
 * reservation asked for through the console reaches the VM's vCPU thread (its share falls to
 * within it) and is recorded in the output.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { csvRecords } from "../../analysis/csv-read.js";
import { threadCpuSeconds, threadIds, threadName } from "../../sim/live/vm/index.js";
import { root, tempDir, writeJson } from "../helpers.js";
import { poll } from "./poll.js";
import { liveTest, vmProblem } from "./vm-env.js";

const bin = join(root, "bin", "virtuoso.js");

const scenario = {
  name: "console-vm",
  seed: 1,
  duration: 11,
  platform: { hosts: [{ id: "h", scheduler: "vsched", tick: 0.001, uMax: 0.95 }] },
  vms: [{ id: "vm1", host: "h", memory: 134217728 }, { id: "vm2", host: "h", memory: 134217728 }],
  workloads: [{ kind: "batch", id: "w1", vm: "vm1" }, { kind: "batch", id: "w2", vm: "vm2" }],
  policies: { vsched: { reservations: [{ vm: "vm1", period: 0.1, slice: 0.03 }] } },
  live: { vms: "qemu", bootTimeout: 240 },
};

type State = { t: number; hosts: { vms: { id: string; share: number; reservation: { period: number; slice: number } | null }[] }[] };

/** The vCPU thread of the run's QEMU process for `vm` (QEMU names it "CPU 0/..."). */
function vcpu(runPid: number, vm: string): { pid: number; tid: number } | undefined {
  for (const d of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (!readFileSync(`/proc/${d}/cmdline`, "utf8").includes(`virtuoso-${runPid}-${vm}`)) continue;
      const tid = threadIds(Number(d)).find((x) => /^CPU 0\//.test(threadName(Number(d), x)));
      if (tid) return { pid: Number(d), tid };
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

liveTest("live console on QEMU VMs: shares from the vCPU threads, agreeing with schedstat; a reservation through the console reaches the vCPU thread, recorded", vmProblem("cgroup"), async (t) => {
  const dir = tempDir("console-vm-");
  const out = join(dir, "out");
  const proc = spawn(process.execPath, [bin, "live", writeJson(dir, "s.json", scenario), "--backend", "cgroup", "--console", "-o", out], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  proc.stdout!.on("data", (d) => (stdout += d));
  proc.stderr!.on("data", (d) => (stderr += d));
  const states: State[] = [];
  // The vCPU threads' CPU time read as each state arrives, once they are known: the page's
  // shares are over its own intervals, so the test's reading is taken over the same ones.
  let threads: { a: { pid: number; tid: number }; b: { pid: number; tid: number } } | undefined;
  const at: ({ a: number; b: number; w: number } | undefined)[] = [];
  const ac = new AbortController();
  try {
    const url = new URL(await poll("the console's URL", () => /console: (http\S+)/.exec(stdout)?.[1], 90));
    // The page's state as it streams (server-sent events).
    void fetch(new URL(`/events${url.search}`, url), { signal: ac.signal }).then(async (r) => {
      let buf = "";
      for await (const chunk of r.body!) {
        buf += Buffer.from(chunk).toString("utf8");
        for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
          states.push(JSON.parse(buf.slice(6, i)));
          at.push(threads && { a: threadCpuSeconds(threads.a.pid, threads.a.tid), b: threadCpuSeconds(threads.b.pid, threads.b.tid), w: performance.now() / 1000 });
          buf = buf.slice(i + 2);
        }
      }
    }).catch(() => undefined);
    const share = (s: State, vm: string) => s.hosts.flatMap((h) => h.vms).find((v) => v.id === vm);
    await poll("the VMs on the page", () => states.some((s) => share(s, "vm2")), 300);
    const a = vcpu(proc.pid!, "vm1")!, b = vcpu(proc.pid!, "vm2")!;
    t.truthy(a && b);
    threads = { a, b };
    // Over about 3 s: the page's readings against the vCPU threads' own CPU time over the same updates.
    await poll("vm1's reservation", () => states.some((s) => share(s, "vm1")?.reservation), 30);
    await poll("a state read beside the threads", () => at[at.length - 1], 10);
    const n0 = states.length - 1;
    await new Promise((r) => setTimeout(r, 3000));
    const n1 = states.length - 1;
    const [x0, x1] = [at[n0]!, at[n1]!];
    const wall = x1.w - x0.w;
    const mine = { vm1: (x1.a - x0.a) / wall, vm2: (x1.b - x0.b) / wall };
    const seen = states.slice(n0 + 1, n1 + 1);
    const page = { vm1: seen.reduce((x, s) => x + share(s, "vm1")!.share, 0) / seen.length, vm2: seen.reduce((x, s) => x + share(s, "vm2")!.share, 0) / seen.length };
    t.log(`vCPU shares over ${wall.toFixed(1)} s, schedstat ${mine.vm1.toFixed(3)} ${mine.vm2.toFixed(3)}; the page's ${page.vm1.toFixed(3)} ${page.vm2.toFixed(3)} (${seen.length} updates)`);
    t.true(seen.length >= 3);
    for (const vm of ["vm1", "vm2"] as const) t.true(Math.abs(page[vm] - mine[vm]) <= 0.05, `${vm}: the page says ${page[vm]}, the vCPU thread ran ${mine[vm]}`);
    // vm1 is held to its 30 %.
    t.true(mine.vm1 <= 0.33, `vm1 at ${mine.vm1} under a 30 % reservation`);
    // vm2 reserved through the console: 10 %, and its vCPU thread falls to within it.
    const r = await fetch(new URL(`/action${url.search}`, url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ kind: "reserve", vm: "vm2", period: 0.1, slice: 0.01 }) });
    t.deepEqual(await r.json(), { admitted: true });
    await poll("vm2's reservation on the page", () => share(states[states.length - 1], "vm2")?.reservation?.slice === 0.01, 10);
    await new Promise((r) => setTimeout(r, 1000));
    const c0 = threadCpuSeconds(b.pid, b.tid), v0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const after = (threadCpuSeconds(b.pid, b.tid) - c0) / ((performance.now() - v0) / 1000);
    t.true(after <= 0.13, `vm2's vCPU thread at ${after} under a 10 % reservation`);
    await poll("the run's end", () => /the run ended/.test(stderr), 60);
  } finally {
    ac.abort();
    proc.kill("SIGINT");
  }
  const steering = csvRecords(readFileSync(join(out, "steering.csv"), "utf8"));
  t.deepEqual(steering.map((x) => [x.kind, x.target, x.admitted]), [["reserve", "vm2", "1"]]);
  t.deepEqual(JSON.parse(readFileSync(join(out, "scenario.json"), "utf8")).actions.map((x: { kind: string; vm: string }) => [x.kind, x.vm]), [["reserve", "vm2"]]);
});
