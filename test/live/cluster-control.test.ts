/**
 * The global rate controller, unchanged, across a cluster's hosts
 * (scenarios/live-cluster-control.json): two BSP rings of QEMU VMs, each with a rank on host a
 * and one on host b. Every second it reads the applications' supersteps (polled by the hosts'
 * agents from the guests' consoles) and sets a SCHED_DEADLINE reservation on every rank's vCPU
 * threads through the agent of the host it runs on; it holds each application at its target
 * within 10%, and the kernel shows the reservations on both hosts' vCPU threads.
 */
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { liveTest } from "./gate.js";
import { agentQemus, qemuBedUnavailable, cli, leftovers, startBed, type Bed } from "./cluster-bed.js";
import { records } from "./cluster-run.js";
import { poll } from "./poll.js";

const sfile = join(process.cwd(), "scenarios/live-cluster-control.json");
const s = JSON.parse(readFileSync(sfile, "utf8"));
const HOSTS: string[] = s.platform.hosts.map((h: { id: string }) => h.id);

const why = qemuBedUnavailable({ chrt: true });
const tmp = mkdtempSync(join(tmpdir(), "vt-cctl-"));
let bed: Bed | undefined;

test.after.always(async () => {
  await bed?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** A thread's policy as the kernel holds it, with runtime/period under SCHED_DEADLINE. */
function sched(tid: number): string {
  const out = spawnSync("chrt", ["-p", String(tid)], { encoding: "utf8" }).stdout;
  const p = /runtime\/deadline\/period parameters: (\d+)\/(\d+)\/(\d+)/.exec(out);
  return /policy: SCHED_DEADLINE/.test(out) && p ? `deadline ${p[1]}/${p[3]}` : /policy: (\S+)/.exec(out)?.[1] ?? "gone";
}

liveTest("the global rate controller holds two BSP applications, each with a QEMU VM on two hosts, at their targets within 10%, reserving through each VM's host's agent", why, async (t) => {
  bed = await startBed(s);
  const out = join(tmp, "live");
  const run = spawn(process.execPath, [cli, "live", "--cluster", bed.file, sfile, "--out", out], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  run.stderr!.on("data", (d) => (err += d));
  // While it runs: every guest's vCPU threads under SCHED_DEADLINE in its own host's namespace.
  const seen = new Map<string, string>();
  const ours = new Map(HOSTS.map((h) => [bed!.ns(h), h]));
  const watch = setInterval(() => {
    for (const q of agentQemus()) if (ours.has(q.ns) && q.vcpus.length && q.vcpus.every((tid) => sched(tid).startsWith("deadline"))) seen.set(q.vm, ours.get(q.ns)!);
  }, 500);
  const code = await new Promise((r) => (run.exitCode !== null ? r(run.exitCode) : run.once("exit", r)));
  clearInterval(watch);
  t.is(code, 0, err);
  t.deepEqual(Object.fromEntries([...seen].sort()), Object.fromEntries(s.vms.map((v: { id: string; host: string }) => [v.id, v.host]).sort()), "each VM's vCPU threads were seen reserved on its host");

  // The controller's own records, each over one interval: their mean over the second half.
  const rows = records(join(out, "control.csv"));
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.log(JSON.stringify(summary.metrics.control), JSON.stringify(summary.metrics.reservations));
  for (const app of s.policies.control.apps as { app: string; targets: { rate: number }[] }[]) {
    const target = app.targets[0].rate;
    const late = rows.filter((x) => x.app === app.app && Number(x.t) > s.duration / 2).map((x) => Number(x.rate));
    t.true(late.length >= 4, `${app.app}: ${late.length} control intervals in the second half`);
    const mean = late.reduce((a, b) => a + b, 0) / late.length;
    t.true(Math.abs(mean - target) <= 0.1 * target, `${app.app}: ${mean.toFixed(4)} of the dedicated rate against a target of ${target}`);
    // It acted: a reservation below half a CPU holds each application down.
    t.true(summary.metrics.control[`${app.app}.utilization`] < 0.5);
    t.true(summary.metrics.control[`${app.app}.reachable`]);
  }
  // Each reservation went to the host its VM runs on, and was admitted there.
  const res = records(join(out, "reservations.csv"));
  for (const v of s.vms as { id: string; host: string }[]) t.true(res.some((r) => r.vm === v.id && r.host === v.host && r.event === "admitted"), v.id);
  t.true(res.every((r) => r.event !== "lost"));
  t.true(existsSync(join(out, "control.svg")));
  for (const h of HOSTS) await poll(`the run to be undone on ${h}`, () => leftovers(bed!.ns(h)) === "", 20, 50);
});
