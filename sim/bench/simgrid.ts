/**
 * BSP all-to-all here and in SimGrid, side by side in one run: builds the SimGrid twin of
 * `bsp-alltoall` (simgrid-bsp.cpp) where SimGrid's headers and g++ are installed (Debian:
 * libsimgrid-dev g++), runs both on the same crossbar, checks they agree on simulated time,
 * and reports both wall times and their ratio. SimGrid runs its CM02 model without cross
 * traffic or TCP gamma, which on a crossbar is plain max-min (what the bench here uses).
 */
import { projectRoot } from "../source/index.js";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicSeconds } from "../live/index.js";
import { round, type Bench, type Figure } from "./bench.js";
import { bspAllToAll } from "./platform.js";

// Beside the sources, also when the command runs from the build in dist/.
const source = new URL(`file://${projectRoot}sim/bench/simgrid-bsp.cpp`);
const header = "/usr/include/simgrid/s4u.hpp";

function platform(ranks: number): string {
  return (
    `<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">\n<platform version="4.1">\n` +
    `  <cluster id="c" prefix="h" suffix="" radical="0-${ranks - 1}" speed="1Gf" bw="125MBps" lat="50us" sharing_policy="SPLITDUPLEX"/>\n</platform>\n`
  );
}

/** The compiled program, cached by the source's hash. */
function build(): string {
  const text = readFileSync(source);
  const exe = join(tmpdir(), `virtuoso-simgrid-bsp-${createHash("sha256").update(text).digest("hex").slice(0, 12)}`);
  if (!existsSync(exe)) execFileSync("g++", ["-O2", "-std=c++17", source.pathname, "-o", exe, "-lsimgrid"], { stdio: ["ignore", "ignore", "inherit"] });
  return exe;
}

export const simgridCompare: Bench = {
  name: "simgrid-compare",
  description: "bsp-alltoall here and SimGrid 3.32's twin program (built with g++), same crossbar, side by side; ratio = SimGrid wall / ours",
  params: { ranks: 256, messageBytes: 1e6, computeOps: 1e9, supersteps: 2, seed: 1 },
  unavailable() {
    if (!existsSync(header)) return `SimGrid's headers are not installed (${header}; Debian: apt-get install libsimgrid-dev g++)`;
    if (spawnSync("g++", ["--version"]).status !== 0) return "g++ is not installed";
    return undefined;
  },
  run(p) {
    const exe = build();
    const dir = mkdtempSync(join(tmpdir(), "virtuoso-sg-"));
    try {
      writeFileSync(join(dir, "platform.xml"), platform(p.ranks));
      const args = [join(dir, "platform.xml"), String(p.ranks), String(p.messageBytes), String(p.computeOps), String(p.supersteps)];
      const cfg = ["--cfg=network/model:CM02", "--cfg=network/crosstraffic:0", "--cfg=network/TCP-gamma:0", "--log=root.thres:critical"];
      const t0 = monotonicSeconds();
      const out = execFileSync(exe, [...args, ...cfg], { encoding: "utf8", maxBuffer: 1 << 20 });
      const process_s = monotonicSeconds() - t0;
      const [sgSim, sgWall] = out.trim().split(/\s+/).map(Number);
      const ours = bspAllToAll.run(p);
      const get = (suffix: string) => ours.find((f) => f.name === `bsp-alltoall.${suffix}`)!.value;
      const simS = get("sim_s"), wall = get("wall_s");
      // sim_s is rounded to 6 decimals in the figure.
      if (Math.abs(simS - sgSim) > 1e-6 * Math.max(1, sgSim)) throw new Error(`simulated times differ: ${simS} s here, ${sgSim} s in SimGrid`);
      const figures: Figure[] = [
        ...ours.map((f) => ({ ...f, name: f.name.replace("bsp-alltoall", "simgrid-compare.virtuoso") })),
        { name: "simgrid-compare.simgrid.sim_s", value: round(sgSim, 6), unit: "s" },
        { name: "simgrid-compare.simgrid.wall_s", value: round(sgWall), unit: "s" },
        { name: "simgrid-compare.simgrid.process_wall_s", value: round(process_s), unit: "s" },
        { name: "simgrid-compare.speedup", value: round(sgWall / wall, 2), unit: "x (SimGrid wall / ours, simulation only)" },
      ];
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
