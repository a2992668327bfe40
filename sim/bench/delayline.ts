/**
 * The testbed's delay line against a plain veth pair, side by side in one run: one TCP stream,
 * unshaped, between two namespaces for `seconds` each way of joining them (a veth pair; two
 * veth pairs with the delay line between, `delay` seconds). Reports payload MB/s of both,
 * the frames/s the delay line forwarded, and how late it sent them. Needs root and gcc.
 */
import { execFileSync, spawn } from "node:child_process";
import { Journal } from "../live/journal.js";
import { delayLineUnavailable, offloadsOff, startDelayLine, streamSink as SINK, streamSource as SOURCE } from "../live/cluster/delayline.js";
import type { Bench, Figure } from "./bench.js";
import { round } from "./bench.js";

function ip(args: string[], ns?: string): void {
  execFileSync("ip", ns ? ["-n", ns, ...args] : args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** One stream from x to y; resolves with the receiver's bytes/s. */
async function stream(x: string, y: string, seconds: number): Promise<number> {
  const sink = spawn("ip", ["netns", "exec", y, process.execPath, "-e", SINK], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  sink.stdout!.on("data", (d) => (out += d));
  try {
    await new Promise<void>((resolve, reject) => {
      sink.stdout!.on("data", () => out.startsWith("up\n") && resolve());
      sink.once("exit", () => reject(new Error("delay-line bench: the receiver ended early")));
    });
    execFileSync("ip", ["netns", "exec", x, process.execPath, "-e", SOURCE, String(seconds)], { stdio: "ignore" });
    await new Promise((r) => (sink.exitCode !== null ? r(0) : sink.once("exit", r)));
    return Number(out.split("\n")[1]);
  } finally {
    sink.kill("SIGKILL");
  }
}

export const delayLineBench: Bench = {
  name: "delay-line",
  description: "one unshaped TCP stream between two namespaces through a plain veth pair, then through the testbed's delay line (1 ms), side by side (root, gcc)",
  params: { seconds: 3, delay: 0.001 },
  unavailable: () => (process.getuid?.() !== 0 ? "needs root (network namespaces)" : delayLineUnavailable()),
  run() {
    throw new Error("delay-line runs asynchronously");
  },
  async runAsync(p) {
    const journal = new Journal();
    const tag = (process.pid % 0xffff).toString(16);
    const [x, y, m] = ["x", "y", "m"].map((n) => `vtb${tag}${n}`);
    try {
      for (const ns of [x, y, m]) {
        journal.add({ kind: "netns", name: ns });
        ip(["netns", "add", ns]);
      }
      const mtu = ["mtu", "1600"];
      const end = (ns: string, dev: string, addr: string) => {
        ip(["addr", "add", addr, "dev", dev], ns);
        ip(["link", "set", "dev", dev, "up"], ns);
        ip(["link", "set", "dev", "lo", "up"], ns);
      };
      // Reference: a plain veth pair (offloads off as on the delay line's link: same frames).
      ip(["link", "add", "r0", ...mtu, "netns", x, "type", "veth", "peer", "name", "r1", ...mtu, "netns", y], m);
      end(x, "r0", "10.99.0.1/24");
      end(y, "r1", "10.99.0.2/24");
      offloadsOff(x, "r0");
      offloadsOff(y, "r1");
      const plain = await stream(x, y, p.seconds);
      ip(["link", "del", "r0"], x);
      // The delay line between two veth pairs, as the testbed cuts a WAN.
      ip(["link", "add", "x0", ...mtu, "netns", x, "type", "veth", "peer", "name", "dla", ...mtu], m);
      ip(["link", "add", "y0", ...mtu, "netns", y, "type", "veth", "peer", "name", "dlb", ...mtu], m);
      for (const d of ["dla", "dlb"]) ip(["link", "set", "dev", d, "up"], m);
      end(x, "x0", "10.99.0.1/24");
      end(y, "y0", "10.99.0.2/24");
      offloadsOff(x, "x0");
      offloadsOff(y, "y0");
      const line = startDelayLine({ ns: m, a: "dla", b: "dlb", delay: p.delay, limit: 100000 }, journal, () => undefined);
      await line.ready;
      const delayed = await stream(x, y, p.seconds);
      const counters = JSON.parse(await line.stop()) as { ab: { out: number; lateMeanUs: number; lateMaxUs: number } };
      const figures: Figure[] = [
        { name: "delay-line.plain_veth_MBps", value: round(plain / 1e6, 1), unit: "MB/s" },
        { name: "delay-line.delay_line_MBps", value: round(delayed / 1e6, 1), unit: "MB/s" },
        // Frames over the whole stream, slow start and its end included.
        { name: "delay-line.frames_per_s", value: Math.round(counters.ab.out / p.seconds), unit: "frames/s" },
        { name: "delay-line.late_mean_us", value: counters.ab.lateMeanUs, unit: "us" },
        { name: "delay-line.late_max_us", value: counters.ab.lateMaxUs, unit: "us" },
      ];
      return figures;
    } finally {
      journal.undo();
    }
  },
};
