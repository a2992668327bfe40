/**
 * The delay line's pieces that need no namespace: its queue bound, the choice of mechanism, and
 * its refusal of bad arguments (exit 2, one line naming the field) before it opens anything;
 * and, between two namespaces (root), its drop-tail queue. Its delay is checked through the
 * testbed in cluster-wan.test.ts.
 */
import test from "ava";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { delayLineBinary, delayLineLimit, delayLineUnavailable, offloadsOff } from "../../sim/live/cluster/delayline.js";
import { latencyMechanism } from "../../sim/live/cluster/testbed.js";
import { liveTest } from "./gate.js";
import { poll } from "./poll.js";

test("the queue bound holds twice the bandwidth-delay product in full frames, never fewer than 1024", (t) => {
  // 2.5 MB/s x 20 ms = 50 kB = 33.3 frames: the floor.
  t.is(delayLineLimit(2.5e6, 0.02), 1024);
  // 125 MB/s x 50 ms = 6.25 MB: 2 x 4167 frames (rounded up) and 256 spare.
  t.is(delayLineLimit(125e6, 0.05), Math.ceil((2 * 6.25e6) / 1500) + 256);
  t.true(delayLineLimit(125e6, 0.05) * 1500 >= 2 * 125e6 * 0.05);
  t.is(delayLineLimit(1e12, 10), 1_000_000);
});

test("netem is preferred where present unless VIRTUOSO_DELAY_LINE=1; without netem the delay line, where it can be built", (t) => {
  const line = delayLineUnavailable() ? "none" : "delay line";
  t.is(latencyMechanism(true, {}), "netem");
  t.is(latencyMechanism(true, { VIRTUOSO_DELAY_LINE: "1" }), delayLineUnavailable() ? "netem" : "delay line");
  t.is(latencyMechanism(false, {}), line);
});

const gcc = delayLineUnavailable();
(gcc ? test.skip : test)("bad arguments: exit 2 with the field and what is wrong, before any socket is opened", (t) => {
  const bin = delayLineBinary();
  const cases: [string[], RegExp][] = [
    [["-a", "x", "-b", "y", "-d", "20ms"], /^delayline: -d \(microseconds\): 20ms is not an integer in \[0, 60000000\]$/m],
    [["-a", "x", "-b", "y", "-d", "-1"], /-d \(microseconds\): -1 is not an integer/],
    [["-a", "x", "-b", "y", "-d", "100", "-l", "0"], /-l \(frames\): 0 is not an integer in \[1, 1000000\]/],
    [["-a", "x", "-d", "100"], /-a, -b and -d are required/],
    [["-a", "x", "-b", "y", "-d", "100", "extra"], /unexpected arguments/],
  ];
  for (const [args, why] of cases) {
    const r = spawnSync(bin, args, { encoding: "utf8" });
    t.is(r.status, 2, args.join(" "));
    t.regex(r.stderr, why);
    t.is(r.stdout, "", "nothing started");
  }
});

/** Three namespaces: x and y, each joined by a veth pair to the middle m, where the delay line runs. */
function threeNamespaces(tag: string): { x: string; y: string; m: string; remove(): void } {
  const [x, y, m] = ["x", "y", "m"].map((n) => `vtd${tag}${n}`);
  const ip = (args: string[], ns: string) => execFileSync("ip", ["-n", ns, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  const remove = () => [x, y, m].forEach((ns) => spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" }));
  try {
    for (const ns of [x, y, m]) execFileSync("ip", ["netns", "add", ns]);
    for (const [ns, dev, mid, addr] of [[x, "x0", "dla", "10.98.0.1"], [y, "y0", "dlb", "10.98.0.2"]]) {
      ip(["link", "add", dev, "mtu", "1600", "netns", ns, "type", "veth", "peer", "name", mid, "mtu", "1600"], m);
      // No IPv6 chatter (router solicitations, MLD) to take the queue's slots.
      execFileSync("ip", ["netns", "exec", ns, "sh", "-c", `echo 1 > /proc/sys/net/ipv6/conf/${dev}/disable_ipv6`], { stdio: "ignore" });
      execFileSync("ip", ["netns", "exec", m, "sh", "-c", `echo 1 > /proc/sys/net/ipv6/conf/${mid}/disable_ipv6`], { stdio: "ignore" });
      ip(["addr", "add", `${addr}/24`, "dev", dev], ns);
      ip(["link", "set", "dev", dev, "up"], ns);
      ip(["link", "set", "dev", mid, "up"], m);
      offloadsOff(ns, dev);
    }
    // Static neighbours: no ARP exchange holds the burst back or shares the queue with it.
    const mac = (ns: string, dev: string) => (JSON.parse(execFileSync("ip", ["-n", ns, "-j", "link", "show", dev], { encoding: "utf8" })) as { address: string }[])[0].address;
    ip(["neigh", "add", "10.98.0.2", "lladdr", mac(y, "y0"), "dev", "x0", "nud", "permanent"], x);
    ip(["neigh", "add", "10.98.0.1", "lladdr", mac(x, "x0"), "dev", "y0", "nud", "permanent"], y);
  } catch (e) {
    remove();
    throw e;
  }
  return { x, y, m, remove };
}

liveTest("a full queue drops the newest frames (drop-tail) and counts them; what passes is the burst's first datagrams, in order", process.getuid?.() !== 0 ? "needs root (network namespaces, AF_PACKET)" : gcc, async (t) => {
  const ns = threeNamespaces((process.pid % 0xffff).toString(16));
  const probe = join(process.cwd(), "test/live/wan-probe.mjs");
  const LIMIT = 16;
  try {
    // 0.5 s of delay: the whole burst of 300 is sent before the first datagram is due, so the
    // queue holds exactly the first LIMIT frames and every later one finds it full.
    const line = spawn("ip", ["netns", "exec", ns.m, "setpriv", "--pdeathsig", "KILL", "--", delayLineBinary(), "-a", "dla", "-b", "dlb", "-d", "500000", "-l", String(LIMIT)], { stdio: ["ignore", "pipe", "inherit"] });
    let lineOut = "";
    line.stdout!.on("data", (d) => (lineOut += d));
    const sink = spawn("ip", ["netns", "exec", ns.y, process.execPath, probe, "serve", "10.98.0.2"], { stdio: ["ignore", "pipe", "inherit"] });
    let sinkOut = "";
    sink.stdout!.on("data", (d) => (sinkOut += d));
    try {
      await poll("the delay line and the receiver", () => lineOut.startsWith("ready") && sinkOut.includes('"up"'), 30, 20);
      execFileSync("ip", ["netns", "exec", ns.x, process.execPath, probe, "burst", "10.98.0.2", "300"]);
      const tally = await poll("the receiver's tally", () => sinkOut.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.udp), 10, 20);
      line.kill("SIGTERM");
      await poll("the delay line's counters", () => lineOut.includes("{"), 10, 20);
      const c = JSON.parse(lineOut.split("\n").find((l) => l.startsWith("{"))!) as { ab: { in: number; out: number; dropped: number; failed: number } };
      t.log(`x -> y: ${JSON.stringify(c.ab)}; received ${JSON.stringify(tally.udp)}`);
      // The burst and its end marker came in; all but LIMIT of the burst were dropped at the tail.
      t.is(c.ab.in, 301);
      t.is(c.ab.dropped, 300 - LIMIT);
      t.is(c.ab.out, LIMIT + 1);
      t.is(c.ab.failed, 0);
      // LIMIT datagrams in order, the last numbered LIMIT - 1: datagrams 0 to LIMIT - 1.
      t.deepEqual(tally.udp, { n: LIMIT, inversions: 0, last: LIMIT - 1 });
    } finally {
      line.kill("SIGKILL");
      sink.kill("SIGKILL");
    }
  } finally {
    ns.remove();
  }
});
