/**
 * External (non-VM) load on a host, in cores' worth of demand, as a piecewise-constant
 * profile: constant, steps, a ramp in equal steps, a CSV trace of `t,level` rows, or
 * self-similar load (fGn) drawn from the host's stream `HOST.load`.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { positiveCount, positiveSeconds, seconds } from "../../scenario/quantities.js";
import { fgn, type Rng } from "../../kernel/index.js";
import type { CpuEntity } from "./cpu.js";
import type { Host } from "./host.js";

const level = z.number().nonnegative().describe("cores' worth of CPU demand");

export const loadSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("constant"), level }),
  z.strictObject({ kind: z.literal("steps"), steps: z.array(z.strictObject({ at: seconds, level })).min(1) }),
  z.strictObject({ kind: z.literal("ramp"), from: level, to: level, start: seconds, end: seconds, steps: positiveCount.default(20) }),
  z.strictObject({ kind: z.literal("trace"), file: z.string().describe("CSV with columns t,level (header optional), relative to the scenario") }),
  z.strictObject({
    kind: z.literal("selfsimilar"),
    hurst: z.number().gt(0).lt(1).default(0.8).describe("Hurst parameter of the fractional Gaussian noise"),
    mean: level,
    sd: level.describe("standard deviation before clipping at 0"),
    interval: positiveSeconds.default(1).describe("seconds between level changes"),
  }),
]);

/** Most fGn samples a self-similar load may draw (Hosking's method is O(n^2)). */
export const MAX_SELFSIMILAR_SAMPLES = 20000;

export type LoadSpec = z.output<typeof loadSchema>;

/** Change points (time, level), in time order. `random` draws self-similar load up to `until`. */
export function loadProfile(spec: LoadSpec, baseDir = ".", random?: { rng: () => Rng; until: number }): [number, number][] {
  switch (spec.kind) {
    case "constant":
      return [[0, spec.level]];
    case "steps":
      return spec.steps.map((s) => [s.at, s.level] as [number, number]).sort((a, b) => a[0] - b[0]);
    case "ramp": {
      const out: [number, number][] = [];
      for (let i = 0; i <= spec.steps; i++) {
        out.push([spec.start + ((spec.end - spec.start) * i) / spec.steps, spec.from + ((spec.to - spec.from) * i) / spec.steps]);
      }
      return out;
    }
    case "trace": {
      const path = spec.file.startsWith("/") ? spec.file : `${baseDir}/${spec.file}`;
      const rows = readFileSync(path, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
      const out: [number, number][] = [];
      rows.forEach((line, i) => {
        const [t, v] = line.split(",").map(Number);
        if (Number.isFinite(t) && Number.isFinite(v) && v >= 0) out.push([t, v]);
        else if (i > 0) throw new Error(`${path}:${i + 1}: expected "t,level" with level >= 0`);
      });
      return out.sort((a, b) => a[0] - b[0]);
    }
    case "selfsimilar": {
      if (!random) throw new Error("self-similar load needs a random stream");
      const n = Math.floor(random.until / spec.interval) + 1;
      if (n > MAX_SELFSIMILAR_SAMPLES) throw new Error(`self-similar load: ${n} samples, more than ${MAX_SELFSIMILAR_SAMPLES}`);
      const z = fgn(random.rng(), n, spec.hurst);
      return Array.from(z, (v, i) => [i * spec.interval, Math.max(0, spec.mean + spec.sd * v)] as [number, number]);
    }
  }
}

export class ExternalLoad implements CpuEntity {
  level = 0;
  cpuRate = 0;
  readonly name: string;

  constructor(private readonly host: Host, profile: [number, number][]) {
    this.name = `${host.id}.external`;
    for (const [t, lvl] of profile) {
      host.sim.scheduleAt(Math.max(t, host.sim.now), () => {
        this.level = lvl;
        host.changed();
      });
    }
  }

  demand(): number {
    return this.level * this.host.speed;
  }

  setCpuRate(rate: number): void {
    this.cpuRate = rate;
  }
}
