/**
 * Live across three namespace hosts (two sites and a Proxy, shaped WAN): a BSP ring whose
 * ranks sit on both sites, through the VNET star, with VTTIF inferring the ring from the
 * hosts' counters; and a controller SIGKILLed mid-run, after which the agents remove
 * everything the run made (checked in the kernel, not the journal).
 */
import test from "ava";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { liveTest } from "./gate.js";
import { bedUnavailable, cli, leftovers, startBed, vmLeftovers, type Bed } from "./cluster-bed.js";
import { poll } from "./poll.js";

const M = 65536;
const STEPS = 60;
/** Enough for STEPS at the WAN's rate (3.2 s) with room for a busy machine. */
const DURATION = 10;
/** The WAN's rate, bytes/s: two ring messages cross it each way every superstep, so a superstep takes at least 2 (M + 8) / WAN. */
const WAN = 2.5e6;
const scenario = (duration: number, supersteps: number) => ({
  name: "cluster-ring", seed: 1, duration,
  platform: {
    hosts: [{ id: "a" }, { id: "p" }, { id: "b" }],
    network: { topology: { kind: "two-sites", siteA: ["a", "p"], lan: { bandwidth: 125e6, latency: 1e-4 }, wan: { bandwidth: WAN, latency: 0.01 } } },
    overlay: { enabled: true, mode: "star", proxy: "p" },
  },
  // Every ring edge crosses the WAN: a -> b -> a -> b -> a.
  vms: [{ id: "r0", host: "a" }, { id: "r1", host: "b" }, { id: "r2", host: "a" }, { id: "r3", host: "b" }],
  workloads: [{ kind: "bsp", id: "app", vms: ["r0", "r1", "r2", "r3"], pattern: "ring", messageBytes: M, computeOps: 1e6, supersteps }],
  policies: { vttif: { enabled: true, interval: 1, window: 2, damping: 2 } },
});

/** Bytes the host's tunnel devices sent, by device. */
function tunnelTx(ns: string): Record<string, number> {
  const links = JSON.parse(execFileSync("ip", ["-n", ns, "-s", "-j", "link", "show"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as { ifname: string; stats64: { tx: { bytes: number } } }[];
  return Object.fromEntries(links.filter((l) => l.ifname.startsWith("vtx")).map((l) => [l.ifname, l.stats64.tx.bytes]));
}

let bed: Bed | undefined;
const why = bedUnavailable();
const tmp = mkdtempSync(join(tmpdir(), "vt-cluster-"));

liveTest("a BSP ring across two sites runs through the Proxy star; each ring edge's bytes are counted once, at the sender's port, and VTTIF infers a ring", why, async (t) => {
  bed = await startBed(scenario(30, STEPS));
  const sfile = join(tmp, "ring.json");
  writeFileSync(sfile, JSON.stringify(scenario(DURATION, STEPS)));
  const out = join(tmp, "ring");
  const run = spawn(process.execPath, [cli, "live", "--cluster", bed.file, sfile, "--out", out], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  run.stderr!.on("data", (d) => (err += d));
  // Frames between the sites cross the Proxy: both of its tunnels carry the ring's traffic.
  const viaProxy = await poll("the ring's traffic through the Proxy's tunnels", () => {
    if (run.exitCode !== null) return false;
    try {
      const tx = tunnelTx(bed!.ns("p"));
      return Object.keys(tx).length === 2 && Object.values(tx).every((b) => b > 10 * M) ? tx : false;
    } catch {
      return false;
    }
  }, 60, 100);
  t.deepEqual(Object.keys(viaProxy).sort(), ["vtx1", "vtx3"], "the Proxy has a tunnel to a and one to b, and a and b none to each other");
  t.deepEqual(Object.keys(tunnelTx(bed.ns("a"))), ["vtx2"]);
  const code = await new Promise((r) => (run.exitCode !== null ? r(run.exitCode) : run.once("exit", r)));
  t.is(code, 0, err);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.is(summary.metrics.app.supersteps, STEPS, "the ring finished within the run");
  // wall_s is rounded to the millisecond: the product is off by at most STEPS x 0.0005 / wall_s.
  t.true(Math.abs(summary.metrics.app.rate * summary.wall_s - STEPS) <= (STEPS * 0.0005) / summary.wall_s + 1e-9, "the rate is over the run's duration, as simulated");
  t.true(summary.wall_s >= DURATION);
  // The shaped WAN holds: the ring cannot finish sooner than its rate allows (tbf's bucket is a few KB).
  const least = (STEPS * 2 * (M + 8)) / WAN;
  t.true(summary.metrics.app.finished && summary.metrics.app.runtime_s >= least * 0.97, `finished in ${summary.metrics.app.runtime_s} s; the WAN needs ${least} s`);
  // Every message of every superstep, with its 8-byte frame header, crossed exactly one sender's port:
  // at least that many payload bytes on each ring edge, plus TCP/IP headers (under 10%).
  const bytes = new Map(readFileSync(join(out, "traffic.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",")).map(([s, d, b]) => [`${s}>${d}`, Number(b)]));
  const payload = STEPS * (M + 8);
  for (const [s, d] of [["r0", "r1"], ["r1", "r2"], ["r2", "r3"], ["r3", "r0"]]) {
    const b = bytes.get(`${s}>${d}`) ?? 0;
    t.true(b >= payload && b < payload * 1.1 + 20000, `${s}>${d}: ${b} bytes for ${payload} bytes of messages`);
    // The reverse direction carries only TCP acknowledgements.
    t.true((bytes.get(`${d}>${s}`) ?? 0) < 0.1 * payload, `${d}>${s} carries acknowledgements only`);
  }
  t.is((bytes.get("r0>r2") ?? 0) + (bytes.get("r1>r3") ?? 0), 0, "ranks that are not neighbours exchange nothing");
  t.is(summary.metrics.vttif.topology, "ring", summary.metrics.vttif.history);
  // The reports cost what the simulator charges: a header and 16 bytes per row.
  t.true(summary.metrics.vttif.control_bytes > 0 && summary.metrics.vttif.wire_bytes > 0);
  for (const h of ["a", "p", "b"]) t.is(leftovers(bed.ns(h)), "", `nothing of the run is left on ${h}`);
  t.is(vmLeftovers(bed!), "");
});

liveTest("a direct overlay link and per-VM-pair rules take the ring's frames off the Proxy: the direct tunnel carries them, the Proxy's only what no rule covers", why, async (t) => {
  bed ??= await startBed(scenario(30, STEPS));
  const direct = scenario(30, 1e6);
  // The ring's forward edges go straight between the sites; their acknowledgements (b -> a for r0 -> r1, ...) take the star.
  (direct.platform.overlay as Record<string, unknown>).links = [{ a: "a", b: "b" }];
  (direct.platform.overlay as Record<string, unknown>).rules = [
    { at: "a", src: "r0", dst: "r1", next: "b" },
    { at: "a", src: "r2", dst: "r3", next: "b" },
    { at: "b", src: "r1", dst: "r2", next: "a" },
    { at: "b", src: "r3", dst: "r0", next: "a" },
  ];
  const sfile = join(tmp, "direct.json");
  writeFileSync(sfile, JSON.stringify(direct));
  const run = spawn(process.execPath, [cli, "live", "--cluster", bed.file, sfile, "--out", join(tmp, "direct")], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  run.stderr!.on("data", (d) => (err += d));
  try {
    // a's tunnel to b is vtx3 (b is the cluster's third host), to the Proxy vtx2.
    const sent = await poll("the ring's traffic on the direct tunnels", () => {
      if (run.exitCode !== null) throw new Error(err);
      try {
        const a = tunnelTx(bed!.ns("a")), b = tunnelTx(bed!.ns("b")), p = tunnelTx(bed!.ns("p"));
        return (a.vtx3 ?? 0) > 20 * M && (b.vtx1 ?? 0) > 20 * M ? { a, b, p } : false;
      } catch (e) {
        if (run.exitCode !== null) throw e;
        return false;
      }
    }, 60, 100);
    const directBytes = sent.a.vtx3 + sent.b.vtx1;
    const proxyBytes = Object.values(sent.p).reduce((x, y) => x + y, 0);
    t.true(proxyBytes < 0.1 * directBytes, `the Proxy forwarded ${proxyBytes} bytes beside ${directBytes} on the direct link`);
    t.true(sent.a.vtx2 < 0.1 * sent.a.vtx3, "a sends its ring messages on the direct tunnel, not to the Proxy");
  } finally {
    run.kill("SIGTERM");
    await new Promise((r) => (run.exitCode !== null || run.signalCode !== null ? r(0) : run.once("exit", r)));
  }
  await poll("the run to be undone", () => ["a", "p", "b"].every((h) => leftovers(bed!.ns(h)) === "") && vmLeftovers(bed!) === "", 20, 50);
  t.pass();
});

liveTest("SIGKILL of the controller mid-run: every agent removes the run's namespaces, links, tables and processes within 10 s", why, async (t) => {
  bed ??= await startBed(scenario(60, 1e6));
  const sfile = join(tmp, "long.json");
  writeFileSync(sfile, JSON.stringify(scenario(60, 1e6)));
  const out = join(tmp, "killed");
  const run = spawn(process.execPath, [cli, "live", "--cluster", bed.file, sfile, "--out", out], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  run.stderr!.on("data", (d) => (err += d));
  // Mid-run: every VM runs, and the ring's messages flow.
  await poll("the run to be under way", () => err.includes("star through p") && vmLeftovers(bed!).split(",").filter((x) => x.startsWith("rank")).length >= 4 && Object.values(tunnelTx(bed!.ns("p"))).every((b) => b > 2 * M), 60, 100).catch((e) => {
    throw new Error(`${e.message}; controller: ${err.slice(-600)}; VMs: ${vmLeftovers(bed!)}; Proxy tunnels: ${JSON.stringify(tunnelTx(bed!.ns("p")))}`);
  });
  t.true(leftovers(bed.ns("a")).includes("vtbr"), "the run made a bridge on a");
  run.kill("SIGKILL");
  const t0 = Date.now();
  await poll("the agents to undo the run", () => ["a", "p", "b"].every((h) => leftovers(bed!.ns(h)) === "") && vmLeftovers(bed!) === "", 20, 50);
  const took = (Date.now() - t0) / 1000;
  t.true(took < 10, `undone in ${took} s`);
  t.false(existsSync(join(out, "summary.json")), "a killed run leaves no output");
  // The agents log after undoing; the line reaches the testbed's log through two pipes.
  await poll("the agents' undone lines", () => /"event":"undone".*controller connection closed/.test(bed!.log()), 5, 50);
});

// One testbed for both tests, removed after them.
test.after.always(async () => {
  await bed?.stop();
});

liveTest("a controller that falls silent (SIGSTOP: its connections stay open) is given up: the agents undo the run within 10 s", why, async (t) => {
  bed ??= await startBed(scenario(60, 1e6));
  const sfile = join(tmp, "silent.json");
  writeFileSync(sfile, JSON.stringify(scenario(60, 1e6)));
  const run = spawn(process.execPath, [cli, "live", "--cluster", bed.file, sfile, "--out", join(tmp, "silent")], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  run.stderr!.on("data", (d) => (err += d));
  try {
    await poll("the run to be under way", () => err.includes("star through p") && vmLeftovers(bed!).split(",").filter((x) => x.startsWith("rank")).length >= 4, 60, 100);
    run.kill("SIGSTOP");
    const t0 = Date.now();
    await poll("the agents to undo the run", () => ["a", "p", "b"].every((h) => leftovers(bed!.ns(h)) === "") && vmLeftovers(bed!) === "", 20, 50);
    const took = (Date.now() - t0) / 1000;
    t.true(took < 10, `undone in ${took} s`);
    await poll("the agents' log of it", () => /"event":"undone".*no request from the controller/.test(bed!.log()), 10, 50);
    t.pass();
  } finally {
    run.kill("SIGKILL");
  }
});
