/**
 * QEMU VMs on a namespace cluster's hosts (live.vms "qemu"): a BSP ring in the guests across
 * two hosts, one rank's VM migrated from a to b over QEMU's TLS migration while the ring runs;
 * a migration stream from a peer without the cluster's credentials refused by the waiting
 * destination, its QEMU untouched; and crash safety: a SIGKILLed controller's run undone by the
 * agents, a SIGKILLed agent's by `live --cleanup`. Checked in the kernel and over QMP.
 */
import test from "ava";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { liveTest } from "./gate.js";
import { agentQemus, qemuBedUnavailable, cli, leftovers, startBed, type Bed } from "./cluster-bed.js";
import { poll } from "./poll.js";
import { Qmp, QEMU } from "../../sim/live/vm/index.js";
import { AgentClient } from "../../sim/live/agent/client.js";
import { clusterInit } from "../../sim/live/cluster/init.js";
import { loadCluster } from "../../sim/live/cluster/file.js";

const MIB = 2 ** 20;
/** When r0 leaves a for b (wall seconds after the ranks started). */
const AT = 5;
const scenario = (duration: number, migrations: object[] = []) => ({
  name: "cluster-qemu", seed: 1, duration,
  platform: {
    hosts: [{ id: "a" }, { id: "b" }],
    network: { topology: { kind: "switch", bandwidth: 125e6, latency: 1e-4 } },
    overlay: { enabled: true, mode: "star", proxy: "a" },
  },
  // Small guests: TCG is slow, and the migration copies all of one.
  vms: [{ id: "r0", host: "a", memory: 96 * MIB }, { id: "r1", host: "b", memory: 96 * MIB }],
  workloads: [{ kind: "bsp", id: "app", vms: ["r0", "r1"], pattern: "ring", messageBytes: 4096, computeOps: 1e6, supersteps: 1e8 }],
  live: { vms: "qemu", bootTimeout: 120, migrations },
});

const why = qemuBedUnavailable();
const tmp = mkdtempSync(join(tmpdir(), "vt-cq-"));
let bed: Bed | undefined;

const qemus = agentQemus;

const taps = (ns: string) => execFileSync("ip", ["-n", ns, "-br", "link"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n").map((l) => l.split(/\s+/)[0].split("@")[0]).filter((n) => /^vtp\d+$/.test(n));

const rows = (file: string) => {
  const [head, ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const keys = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [keys[i], v])));
};

/** A run of `live --cluster`, ended (SIGTERM: the controller ends its run on the agents) if a test leaves it running. */
function live(args: string[]) {
  const run = spawn(process.execPath, [cli, "live", "--cluster", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  runs.push(run);
  return run;
}
const runs: ReturnType<typeof spawn>[] = [];
test.afterEach.always(async () => {
  for (const r of runs.splice(0)) {
    if (r.exitCode !== null || r.signalCode !== null) continue;
    r.kill("SIGTERM");
    await new Promise((res) => (r.exitCode !== null || r.signalCode !== null ? res(0) : r.once("exit", res)));
  }
});

const clean = () => ["a", "b"].every((h) => leftovers(bed!.ns(h)) === "") && qemus().length === 0;

liveTest("a QEMU VM migrates from host a to host b over TLS while its BSP ring runs on: the ring progresses before and after, its QEMU and tap are then in b's namespace and nothing of it is left on a", why, async (t) => {
  bed = await startBed(scenario(30));
  const sfile = join(tmp, "mig.json");
  writeFileSync(sfile, JSON.stringify(scenario(AT + 10, [{ vm: "r0", to: "b", at: AT }])));
  const attempt = async (k: number) => {
    const out = join(tmp, `mig${k}`);
    const run = live([bed!.file, sfile, "--out", out]);
    let err = "";
    run.stderr!.on("data", (d) => (err += d));
    const ended = (): false => { if (run.exitCode !== null) throw new Error(err); return false; };
    // Before: one guest on each host, r0's QEMU and tap (vtp1: r0 is the run's first VM) on a.
    const before = await poll("both guests to run", () => ended() || (qemus().length === 2 && qemus()), 150, 100);
    t.deepEqual(before.map((q) => `${q.vm}@${q.ns}`).sort(), [`r0@${bed!.ns("a")}`, `r1@${bed!.ns("b")}`]);
    t.deepEqual(taps(bed!.ns("a")), ["vtp1"]);
    const outcome = await poll("r0's migration", () => ended() || (/migration of r0: a -> b done/.test(err) ? "done" : /migration of r0 to b failed/.test(err) ? "failed" : false), 150, 100);
    return { out, run, err: () => err, before, outcome };
  };
  let r = await attempt(1);
  // Under TCG a guest sometimes dies at the destination after a migration with network traffic
  // (QEMU's failure, as on one host: a corrupted virtio ring, or a destination that cannot load
  // the last state): reported as a failed migration, the source resumed. One more try.
  if (r.outcome === "failed") {
    t.log(`first attempt: ${r.err().split("\n").find((l) => l.includes("failed"))}`);
    await new Promise((res) => (r.run.exitCode !== null ? res(0) : r.run.once("exit", res)));
    await poll("the first attempt to be undone", clean, 20, 50);
    r = await attempt(2);
  }
  const { out, run, before } = r;
  const err = () => r.err();
  t.is(r.outcome, "done", err());
  // After the switch-over: r0's QEMU runs in b's namespace, its tap is b's, and a has neither.
  const after = qemus();
  t.deepEqual(after.map((q) => `${q.vm}@${q.ns}`).sort(), [`r0@${bed.ns("b")}`, `r1@${bed.ns("b")}`], err());
  t.false(after.some((q) => before.some((b) => b.vm === "r0" && b.pid === q.pid)), "r0 runs in a new QEMU process");
  t.deepEqual(taps(bed.ns("a")), [], "r0's tap on a is gone");
  t.deepEqual(taps(bed.ns("b")).sort(), ["vtp1", "vtp2"]);
  const code = await new Promise((r) => (run.exitCode !== null ? r(run.exitCode) : run.once("exit", r)));
  t.is(code, 0, err());
  // QEMU's own figures, as the source's query-migrate gave them.
  const [m] = rows(join(out, "migrations.csv"));
  t.like(m, { vm: "r0", from: "a", to: "b", status: "completed" });
  const n = (k: string) => Number(m[k]);
  t.true(n("total_s") > 0 && n("downtime_s") > 0 && n("downtime_s") <= n("total_s"), JSON.stringify(m));
  // Pre-copy sends every page at least once; zero pages go as a header, so less than all of RAM but more than the guest's kernel and initrd.
  t.true(n("bytes") > 4 * MIB && n("rounds") >= 2, JSON.stringify(m));
  t.true(n("start") >= AT && n("end") > n("start"));
  // The ring ran before the migration and runs on after it, at its new place.
  const progress = rows(join(out, "progress.csv")).map((r) => ({ t: Number(r.t), k: Number(r.supersteps) }));
  const at = (x: number) => Math.max(0, ...progress.filter((p) => p.t <= x).map((p) => p.k));
  t.true(at(n("start")) > 0, `supersteps before the migration: ${at(n("start"))}`);
  const last = progress[progress.length - 1];
  t.true(last.t > n("end") + 2 && last.k > at(n("end")), `supersteps ${at(n("end"))} at the switch-over, ${last.k} at ${last.t} s`);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.like(summary.metrics.migrations, { done: 1, failed: 0 });
  await poll("the run to be undone on both hosts", clean, 20, 50);
  t.pass();
});

liveTest("a migration stream from a peer whose certificate is not from the cluster's CA, or that has none, or from another host than the VM's, is refused: the waiting destination's QEMU stays as it was (QMP: inmigrate, same process); the migration operations' bad arguments are refused, nothing started", why, async (t) => {
  bed ??= await startBed(scenario(30));
  const cluster = loadCluster(bed.file);
  const b = cluster.host("b");
  // A controller's session with b, as live --cluster opens it, with r0 to arrive from a.
  const agent = await AgentClient.connect(b, AgentClient.credentials(cluster), `run-tls${process.pid}`);
  try {
    await agent.call("begin", { vms: [{ id: "r0", index: 1, host: "a" }, { id: "r1", index: 2, host: "b" }] });
    const job = { vm: "r0", ranks: ["r0", "r1"], sequence: [{ pattern: "ring" as const, supersteps: 1 }], messageBytes: 64, computeOps: 1, supersteps: 10, stamp: false, qemu: { memoryMb: 96, vcpus: 1, bootTimeout: 60 } };
    // Out of range or not the run's state: refused, nothing started.
    const refused = async (op: string, args: object, why: RegExp) => {
      t.regex(await (agent.call as (o: string, a: object) => Promise<unknown>)(op, args).then(() => "accepted", (e: Error) => e.message), why, op);
      // A refused request changes nothing, its sequence number included: the next one reuses it.
      (agent as unknown as { seq: number }).seq--;
    };
    await refused("vm.start", { ...job, qemu: { ...job.qemu, memoryMb: 8 } }, /args\.qemu\.memoryMb/);
    await refused("vm.start", { ...job, incoming: { from: "b" } }, /args\.incoming\.from: "b" is this host/);
    await refused("vm.start", { ...job, vm: "r1", incoming: { from: "a" } }, /runs on b, not "a"/);
    await refused("vm.migrate", { vm: "r1", to: "a", port: 5000 }, /not a QEMU VM running on b/);
    await refused("vm.moved", { vm: "r0", host: "b" }, /no destination for "r0" waits on b/);
    t.deepEqual(qemus(), [], "nothing started");
    const { port } = await agent.call("vm.start", { ...job, incoming: { from: "a" } });
    const waiting = await agent.call("vm.state", { vm: "r0" });
    t.is(waiting.status, "inmigrate");
    // Credentials from another CA (a cluster of its own), and none at all.
    const other = join(tmp, "other");
    clusterInit(other, "other", [{ id: "a", address: "127.0.0.1", port: 1, underlay: cluster.host("a").underlay }]);
    // And the cluster's own certificate of a host the VM is not coming from (b's: it names host:b, not host:a).
    const cases = [["another CA's certificate", join(other, "qemu-a")], ["no TLS", undefined], ["the certificate of a host the VM is not coming from", join(cluster.dir, cluster.host("b").qemu!)]] as const;
    for (const [label, tls] of cases) {
      const sock = join(tmp, `rogue-${cases.findIndex((c) => c[0] === label)}.qmp`);
      // In a's namespace, where a real source would be; it does not check the destination (verify-peer=off): only b's check is tested.
      const rogue = spawn("ip", ["netns", "exec", bed.ns("a"), "setpriv", "--pdeathsig", "KILL", "--", QEMU!, "-S", "-m", "96", "-nodefaults", "-display", "none", ...(tls ? ["-object", `tls-creds-x509,id=c,dir=${tls},endpoint=client,verify-peer=off`] : []), "-qmp", `unix:${sock},server=on,wait=off`], { stdio: "ignore" });
      try {
        const q = await Qmp.open(sock, 30);
        if (tls) await q.execute("migrate-set-parameters", { "tls-creds": "c" });
        await q.execute("migrate", { uri: `tcp:${b.underlay}:${port}` });
        let status = "still running after 30 s";
        for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
          const m = await q.execute<{ status: string }>("query-migrate");
          if (m.status === "failed" || m.status === "completed") {
            status = m.status;
            break;
          }
        }
        t.is(status, "failed", `${label}: the stream was not refused`);
        q.close();
      } finally {
        rogue.kill("SIGKILL");
      }
      const now = await agent.call("vm.state", { vm: "r0" });
      t.is(now.status, "inmigrate", `${label}: the destination did not take a VM`);
      t.is(now.pid, waiting.pid, `${label}: the same QEMU process waits`);
    }
    t.regex(readFileSync(`/proc/${waiting.pid}/cmdline`, "utf8"), /virtuoso-agent-\d+-r0-/);
  } finally {
    await agent.call("end", {}).catch(() => undefined);
    agent.close();
  }
  await poll("b to undo the session", clean, 20, 50);
  t.pass();
});

liveTest("SIGKILL of the controller mid-run: the agents end its QEMU VMs and remove their taps, bridges and tables within 10 s; an agent SIGKILLed mid-run leaves its run to `live --cleanup`", why, async (t) => {
  bed ??= await startBed(scenario(30));
  const sfile = join(tmp, "long.json");
  writeFileSync(sfile, JSON.stringify(scenario(120)));
  const start = () => {
    const run = live([bed!.file, sfile, "--out", join(tmp, `killed-${Date.now()}`)]);
    let err = "";
    run.stderr!.on("data", (d) => (err += d));
    return { run, err: () => err };
  };
  const first = start();
  await poll("the run to be under way", () => first.err().includes("star through a") && qemus().length === 2, 150, 100).catch((e) => {
    throw new Error(`${e.message}; controller: ${first.err().slice(-600)}`);
  });
  first.run.kill("SIGKILL");
  const t0 = Date.now();
  await poll("the agents to undo the run", clean, 20, 50);
  const took = (Date.now() - t0) / 1000;
  t.true(took < 10, `undone in ${took} s`);

  // Now the agent of b dies with the run (its guest with it: QEMU has a parent-death signal), leaving its bridge, tap and table.
  const second = start();
  await poll("the second run to be under way", () => second.err().includes("star through a") && qemus().length === 2, 150, 100);
  const agentB = Number(execFileSync("ip", ["netns", "pids", bed.ns("b")], { encoding: "utf8" }).split("\n").find((p) => p && readFileSync(`/proc/${p}/cmdline`, "utf8").includes("\0agent\0")));
  process.kill(agentB, "SIGKILL");
  await poll("the second run to fail", () => second.run.exitCode !== null, 30, 50);
  await poll("b's guest to die with its agent", () => !qemus().some((q) => q.ns === bed!.ns("b")), 20, 50);
  t.not(leftovers(bed.ns("b")), "", "the killed agent left its run's links and table");
  const r = spawnSync(process.execPath, [cli, "live", "--cleanup"], { encoding: "utf8" });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /removed link vtp2 in/);
  t.is(leftovers(bed.ns("b")), "", "live --cleanup removed the rest");
  await poll("a to undo its part", () => leftovers(bed!.ns("a")) === "" && qemus().length === 0, 20, 50);
});

test.after.always(async () => {
  await bed?.stop();
  rmSync(tmp, { recursive: true, force: true });
});
