/**
 * The testbed's WAN latency without netem: a delay line in the switch namespace between the
 * two halves of the WAN link (VIRTUOSO_DELAY_LINE=1 picks it where the kernel has netem, so
 * these tests check the delay line everywhere). Round trips across a 20 ms one-way WAN take
 * 40 ms and a little; frames stay in order; a bulk TCP transfer still gets tbf's rate; Wren,
 * fed the ranks' own stamped messages, finds the WAN's latency; a SIGKILLed testbed leaves no
 * delay line behind.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { delayLineUnavailable } from "../../sim/live/cluster/delayline.js";
import { liveTest } from "./gate.js";
import { bedUnavailable, cli, startBed, type Bed } from "./cluster-bed.js";
import { poll } from "./poll.js";

/** One-way WAN latency (s) and rate (bytes/s). */
const LATENCY = 0.02;
const WAN = 2.5e6;
/** What TCP carries at the WAN's rate: tbf counts whole frames, a 1448-byte segment (timestamps on) is a 1514-byte frame. */
const GOODPUT = (WAN * 1448) / 1514;
const probe = join(process.cwd(), "test/live/wan-probe.mjs");
const scenario = (duration: number) => ({
  name: "cluster-wan", seed: 1, duration,
  platform: {
    hosts: [{ id: "a" }, { id: "p" }, { id: "b" }],
    network: { topology: { kind: "two-sites", siteA: ["a", "p"], lan: { bandwidth: 125e6, latency: 1e-4 }, wan: { bandwidth: WAN, latency: LATENCY } } },
    overlay: { enabled: true, mode: "star", proxy: "p" },
  },
  // Every ring edge crosses the WAN; 1 KiB messages are Wren's latency samples (smallBytes 2048).
  vms: [{ id: "r0", host: "a" }, { id: "r1", host: "b" }, { id: "r2", host: "a" }, { id: "r3", host: "b" }],
  workloads: [{ kind: "bsp", id: "app", vms: ["r0", "r1", "r2", "r3"], pattern: "ring", messageBytes: 1024, computeOps: 1e5, supersteps: 1e6 }],
  policies: { wren: { enabled: true } },
});

const why = bedUnavailable() ?? delayLineUnavailable();
const tmp = mkdtempSync(join(tmpdir(), "vt-wan-"));
let bed: Bed | undefined;
const underlay = (k: number) => `10.77.0.${k}`;

/** Runs the probe in a host's namespace; resolves with its JSON lines. */
function inHost(ns: string, args: string[]): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const p = spawn("ip", ["netns", "exec", ns, process.execPath, probe, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout!.on("data", (d) => (out += d));
    p.stderr!.on("data", (d) => (err += d));
    p.once("exit", (c) => (c === 0 ? resolve(out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l))) : reject(new Error(`probe ${args.join(" ")}: ${c} ${err}`))));
  });
}

/** The probe's server in b, its JSON lines as they come; stopped by kill(). */
function server(ns: string, addr: string) {
  const p = spawn("ip", ["netns", "exec", ns, process.execPath, probe, "serve", addr], { stdio: ["ignore", "pipe", "inherit"] });
  const lines: Record<string, unknown>[] = [];
  let buf = "";
  p.stdout!.on("data", (d) => {
    buf += d;
    for (let nl; (nl = buf.indexOf("\n")) >= 0; buf = buf.slice(nl + 1)) lines.push(JSON.parse(buf.slice(0, nl)));
  });
  return { lines, up: poll("the probe server", () => lines.some((l) => l.up), 30, 20), kill: () => p.kill("SIGKILL") };
}

/** Delay lines alive on this machine whose journal mark names this bed's switch namespace. */
function delayLines(net: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(`virtuoso-delayline:${net}:`)) out.push(Number(d));
    } catch {
      // Gone.
    }
  }
  return out;
}

test.after.always(async () => {
  await bed?.stop();
});

liveTest("across a 20 ms delay-line WAN: minimum TCP handshake of 20 is 40-43 ms, UDP frames arrive in order, bulk TCP gets tbf's rate within 15%", why, async (t) => {
  process.env.VIRTUOSO_DELAY_LINE = "1";
  bed = await startBed(scenario(30));
  t.regex(bed.out(), /latency: delay line/);
  const b = bed.ns("b"), a = bed.ns("a");
  const srv = server(b, underlay(3));
  try {
    await srv.up;
    // A TCP handshake is one round trip: SYN out, SYN-ACK back, each across the WAN once.
    const [{ connect }] = (await inHost(a, ["connect", underlay(3), "20"])) as { connect: number[] }[];
    const min = Math.min(...connect);
    t.log(`handshakes (ms): min ${min.toFixed(2)}, median ${[...connect].sort((x, y) => x - y)[10].toFixed(2)}`);
    t.true(min >= 2 * LATENCY * 1e3 && min <= 2 * LATENCY * 1e3 + 3, `minimum round trip ${min} ms`);
    // Order: 300 numbered datagrams sent back to back; any that arrive are in order.
    await inHost(a, ["burst", underlay(3), "300"]);
    const udp = (await poll("the datagrams' tally", () => srv.lines.find((l) => l.udp), 10, 20)).udp as { n: number; inversions: number };
    t.true(udp.n >= 100, `${udp.n} of 300 datagrams arrived`);
    t.is(udp.inversions, 0, "no datagram overtook another");
    // Rate: bytes over time from 1 s (slow start over: its window doubles every 40 ms) to the last arrival.
    await inHost(a, ["bulk", underlay(3), "4"]);
    const { bulk } = (await poll("the bulk transfer's series", () => srv.lines.find((l) => l.bulk), 10, 20)) as { bulk: [number, number][] };
    const series = bulk.slice(0, -1);
    const from = series.find(([ms]) => ms >= 1000)!, to = series[series.length - 1];
    const rate = ((to[1] - from[1]) / (to[0] - from[0])) * 1e3;
    t.log(`bulk: ${(rate / 1e6).toFixed(3)} MB/s of payload, ${(rate / GOODPUT).toFixed(3)} of tbf's ${(GOODPUT / 1e6).toFixed(3)} MB/s`);
    t.true(Math.abs(rate / GOODPUT - 1) <= 0.15, `bulk rate ${rate} B/s against ${GOODPUT} B/s`);
  } finally {
    srv.kill();
  }
});

liveTest("Wren, from the ranks' stamped 1 KiB messages, has the 20 ms WAN's latency within 19-25 ms both ways", why, async (t) => {
  process.env.VIRTUOSO_DELAY_LINE = "1";
  bed ??= await startBed(scenario(30));
  const sfile = join(tmp, "wren.json");
  writeFileSync(sfile, JSON.stringify(scenario(5)));
  const out = join(tmp, "out");
  const run = spawn(process.execPath, [cli, "live", "--cluster", bed.file, sfile, "--out", out], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  run.stderr!.on("data", (d) => (err += d));
  const code = await new Promise((r) => (run.exitCode !== null ? r(run.exitCode) : run.once("exit", r)));
  t.is(code, 0, err);
  const paths = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).metrics.wren.paths as { src: string; dst: string; latency: number | null; samples: number }[];
  for (const pair of ["a>b", "b>a"]) {
    const e = paths.find((p) => `${p.src}>${p.dst}` === pair);
    t.truthy(e?.latency, `${pair}: no latency estimate in ${JSON.stringify(paths)}`);
    t.log(`${pair}: ${(e!.latency! * 1e3).toFixed(2)} ms over ${e!.samples} samples`);
    // From the sender's first byte to the receiver's last: the WAN's 20 ms, a LAN hop, the
    // Proxy's forwarding and two ranks' wake-ups (above); two processes' wall-clock origins
    // (performance.timeOrigin) may disagree by a fraction of a millisecond (below).
    t.true(e!.latency! >= LATENCY * 0.95 && e!.latency! <= LATENCY * 1.25, `${pair}: ${e!.latency} s`);
  }
});

liveTest("SIGKILL of the testbed: its delay line dies with it, and live --cleanup removes its namespaces", why, async (t) => {
  process.env.VIRTUOSO_DELAY_LINE = "1";
  bed ??= await startBed(scenario(30));
  const net = `vtn${(bed.proc.pid! % 0xffff).toString(16)}`;
  t.is(delayLines(net).length, 1, "one delay line, for the WAN");
  bed.proc.kill("SIGKILL");
  await poll("the testbed to die", () => bed!.proc.signalCode !== null, 10, 20);
  // The parent-death signal ends it, before any cleanup.
  await poll("the delay line to die with its testbed", () => delayLines(net).length === 0, 10, 20);
  const cleanup = spawn(process.execPath, [cli, "live", "--cleanup"], { stdio: "ignore" });
  t.is(await new Promise((r) => cleanup.once("exit", r)), 0);
  t.deepEqual(delayLines(net), [], "no delay line is left (checked in /proc)");
  t.false(readdirSync("/run/netns").includes(net), "the switch namespace is gone");
});
