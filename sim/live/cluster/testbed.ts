/**
 * A cluster on one machine: each of a scenario's hosts becomes a network namespace, joined as
 * the scenario's platform joins them (a switch, or two site switches and a WAN link between
 * them, as the simulator builds "switch" and "two-sites"). Links are veth pairs shaped on both
 * ends (tbf for the rate; netem for the latency when the kernel has it), MTU 1600 so VXLAN
 * (50 bytes of headers) carries full 1500-byte frames. The controller reaches each host's
 * agent over its own management veth from the root namespace (a /30 in a free /24 of
 * 10.78.0.0/16). Every namespace and
 * root-namespace link is journaled before it is made; removing the namespaces removes the
 * rest.
 *
 * Without netem, the WAN and the lightpaths (the links between sites and between hosts) still
 * get their latency: the link is cut in two veth pairs whose middle ends a delay line
 * (delayline.c) joins in the switch namespace, after tbf on the outer ends. The access links'
 * latencies (tens of microseconds) are then left out: a user-level hop costs about as much.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Scenario } from "../../scenario/index.js";
import { expandedHosts } from "../../scenario/invariants.js";
import type { Journal } from "../journal.js";
import { delayLineLimit, delayLineUnavailable, offloadsOff, type DelayLineSpec } from "./delayline.js";

export const UNDERLAY_MTU = 1600;
const AGENT_PORT = 7700;

export interface TestbedHost {
  id: string;
  ns: string;
  underlay: string;
  agent: string;
  port: number;
  lightpaths: { peer: string; device: string; local: string; remote: string }[];
}

export interface Testbed {
  net: string;
  hosts: TestbedHost[];
  /** What emulates link latencies (the rates are always tbf's). */
  latency: LatencyMechanism;
  /** The delay lines to start (in the switch namespace `net`), when `latency` is "delay line". */
  delayLines: DelayLineSpec[];
}

export type LatencyMechanism = "netem" | "delay line" | "none";

/** netem where the kernel has it, else the delay line where gcc can build it; VIRTUOSO_DELAY_LINE=1 picks the delay line over netem. */
export function latencyMechanism(netem: boolean, env = process.env): LatencyMechanism {
  if (netem && env.VIRTUOSO_DELAY_LINE !== "1") return "netem";
  return delayLineUnavailable() ? (netem ? "netem" : "none") : "delay line";
}

/** Why this scenario's platform cannot be built as a testbed ("" when it can). */
export function testbedProblems(s: Scenario): string[] {
  const out: string[] = [];
  const t = s.platform.network?.topology;
  if (t && t.kind !== "switch" && t.kind !== "two-sites") out.push(`platform.network.topology.kind: the namespace testbed builds "switch" and "two-sites", not "${t.kind}"`);
  const n = expandedHosts(s).size;
  if (n > 62) out.push(`platform.hosts: the namespace testbed holds at most 62 hosts, not ${n}`);
  return out;
}

function run(args: string[], ns?: string): void {
  execFileSync("ip", ns ? ["-n", ns, ...args] : args, { stdio: ["ignore", "ignore", "pipe"] });
}

function tc(ns: string, args: string[]): void {
  execFileSync("ip", ["netns", "exec", ns, "tc", ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

/** Whether this kernel has netem (a delay on a link); a dummy probe in a throwaway namespace. */
export function hasNetem(probeNs: string): boolean {
  try {
    tc(probeNs, ["qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]);
    tc(probeNs, ["qdisc", "del", "dev", "lo", "root"]);
    return true;
  } catch {
    return false;
  }
}

/** Shapes a link's egress: rate (bytes/s) and one-way latency (s). */
function shape(ns: string, dev: string, bandwidth: number, latency: number, netem: boolean): void {
  const bits = Math.max(8000, Math.round(bandwidth * 8));
  if (netem && latency > 0) tc(ns, ["qdisc", "add", "dev", dev, "root", "netem", "delay", `${Math.round(latency * 1e6)}us`, "rate", `${bits}bit`, "limit", "10000"]);
  else {
    // A bucket of at least one jiffy's worth of bytes at the rate (and one jumbo frame).
    const burst = Math.max(2 * UNDERLAY_MTU, Math.ceil(bandwidth / 250));
    tc(ns, ["qdisc", "add", "dev", dev, "root", "tbf", "rate", `${bits}bit`, "burst", String(burst), "latency", "200ms"]);
  }
}

/** A /24 of 10.78.0.0/16 no address of the root namespace is in: testbeds side by side do not collide. */
function freeBlock(): number {
  const used = execFileSync("ip", ["-4", "-o", "addr"], { encoding: "utf8" });
  for (let n = 0; n < 256; n++) if (!used.includes(` 10.78.${n}.`)) return n;
  throw new Error("testbed: no free /24 left in 10.78.0.0/16 for management links");
}

export function buildTestbed(s: Scenario, tag: string, journal: Journal): Testbed {
  const hosts = [...expandedHosts(s).keys()];
  const block = freeBlock();
  for (const [i] of hosts.entries()) if (existsSync(`/sys/class/net/vtm${tag}${i}`)) throw new Error(`testbed: link vtm${tag}${i} exists already`);
  const net = `vtn${tag}`;
  journal.add({ kind: "netns", name: net });
  run(["netns", "add", net]);
  const latency = latencyMechanism(hasNetem(net));
  const netem = latency === "netem";
  const delayLines: DelayLineSpec[] = [];
  /**
   * A link between `x` (in namespace xns) and `y` (in yns): one veth pair, or, for a delay line,
   * two whose middle ends (`mid`a, `mid`b in net) the delay line joins. Both outer ends shaped.
   */
  const link = (xns: string, x: string, yns: string, y: string, mid: string, bandwidth: number, delay: number) => {
    const m = ["mtu", String(UNDERLAY_MTU)];
    if (latency !== "delay line" || delay <= 0) {
      run(["link", "add", x, ...m, "netns", xns, "type", "veth", "peer", "name", y, ...m, "netns", yns], net);
    } else {
      run(["link", "add", x, ...m, "netns", xns, "type", "veth", "peer", "name", `${mid}a`, ...m], net);
      run(["link", "add", y, ...m, "netns", yns, "type", "veth", "peer", "name", `${mid}b`, ...m], net);
      for (const e of [`${mid}a`, `${mid}b`]) {
        // Nothing of the switch namespace's own (IPv6 neighbour discovery) joins the link.
        try {
          execFileSync("ip", ["netns", "exec", net, "sh", "-c", `echo 1 > /proc/sys/net/ipv6/conf/${e}/disable_ipv6`], { stdio: "ignore" });
        } catch {
          // No IPv6 here.
        }
        run(["link", "set", "dev", e, "up"], net);
      }
      offloadsOff(xns, x);
      offloadsOff(yns, y);
      delayLines.push({ ns: net, a: `${mid}a`, b: `${mid}b`, delay, limit: delayLineLimit(bandwidth, delay) });
    }
    shape(xns, x, bandwidth, delay, netem);
    shape(yns, y, bandwidth, delay, netem);
  };
  const topo = s.platform.network?.topology;
  const siteA = new Set(topo?.kind === "two-sites" ? topo.siteA : hosts);
  const lan = topo?.kind === "two-sites" ? topo.lan : topo?.kind === "switch" ? topo : { bandwidth: 125e6, latency: 5e-5 };
  for (const sw of topo?.kind === "two-sites" ? ["sa", "sb"] : ["sa"]) {
    run(["link", "add", sw, "type", "bridge"], net);
    run(["link", "set", sw, "mtu", String(UNDERLAY_MTU), "up"], net);
  }
  if (topo?.kind === "two-sites") {
    link(net, "wa", net, "wb", "wd", topo.wan.bandwidth, topo.wan.latency);
    run(["link", "set", "wa", "master", "sa", "up"], net);
    run(["link", "set", "wb", "master", "sb", "up"], net);
  }
  const out: TestbedHost[] = [];
  hosts.forEach((id, i) => {
    const k = i + 1;
    const ns = `vth${tag}${k}`;
    journal.add({ kind: "netns", name: ns });
    run(["netns", "add", ns]);
    run(["link", "set", "lo", "up"], ns);
    // Underlay: the host's access link to its site switch.
    run(["link", "add", `h${k}`, "mtu", String(UNDERLAY_MTU), "type", "veth", "peer", "name", "u0", "mtu", String(UNDERLAY_MTU), "netns", ns], net);
    run(["link", "set", `h${k}`, "master", siteA.has(id) ? "sa" : "sb", "up"], net);
    run(["addr", "add", `10.77.0.${k}/24`, "dev", "u0"], ns);
    run(["link", "set", "u0", "up"], ns);
    shape(net, `h${k}`, lan.bandwidth, lan.latency, netem);
    shape(ns, "u0", lan.bandwidth, lan.latency, netem);
    // Management: the controller's path to the agent, from the root namespace.
    const m = `vtm${tag}${k}`;
    journal.add({ kind: "link", name: m });
    run(["link", "add", m, "type", "veth", "peer", "name", "m0", "netns", ns]);
    run(["addr", "add", `10.78.${block}.${4 * k + 1}/30`, "dev", m]);
    run(["link", "set", m, "up"]);
    run(["addr", "add", `10.78.${block}.${4 * k + 2}/30`, "dev", "m0"], ns);
    run(["link", "set", "m0", "up"], ns);
    out.push({ id, ns, underlay: `10.77.0.${k}`, agent: `10.78.${block}.${4 * k + 2}`, port: AGENT_PORT, lightpaths: [] });
  });
  // VRESERVE's stand-in lightpaths: a veth pair straight between two hosts of different sites
  // (every pair on one switch), shaped at the lightpath's rate, left down: dark until a run's
  // request brings both ends up after the setup delay.
  const vr = s.policies.vreserve;
  if (vr.enabled) {
    let n = 0;
    for (const [i, x] of out.entries()) for (const y of out.slice(i + 1)) {
      if (topo?.kind === "two-sites" && siteA.has(x.id) === siteA.has(y.id)) continue;
      if (n >= 64) break;
      const kx = out.indexOf(x) + 1, ky = out.indexOf(y) + 1;
      const dx = `lp${ky}`, dy = `lp${kx}`, ax = `10.76.${n}.1`, ay = `10.76.${n}.2`;
      link(x.ns, dx, y.ns, dy, `ld${n}`, vr.bandwidth, vr.latency);
      run(["addr", "add", `${ax}/30`, "dev", dx], x.ns);
      run(["addr", "add", `${ay}/30`, "dev", dy], y.ns);
      x.lightpaths.push({ peer: y.id, device: dx, local: ax, remote: ay });
      y.lightpaths.push({ peer: x.id, device: dy, local: ay, remote: ax });
      n++;
    }
  }
  return { net, hosts: out, latency, delayLines };
}
