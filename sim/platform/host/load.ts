/**
 * External (non-VM) load on a host, in cores' worth of demand, as a piecewise-constant
 * profile: constant, steps, a ramp in equal steps, or a CSV trace of `t,level` rows.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { positiveCount, seconds } from "../../scenario/quantities.js";
import type { CpuEntity } from "./cpu.js";
import type { Host } from "./host.js";

const level = z.number().nonnegative().describe("cores' worth of CPU demand");

export const loadSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("constant"), level }),
  z.strictObject({ kind: z.literal("steps"), steps: z.array(z.strictObject({ at: seconds, level })).min(1) }),
  z.strictObject({ kind: z.literal("ramp"), from: level, to: level, start: seconds, end: seconds, steps: positiveCount.default(20) }),
  z.strictObject({ kind: z.literal("trace"), file: z.string().describe("CSV with columns t,level (header optional), relative to the scenario") }),
]);

export type LoadSpec = z.output<typeof loadSchema>;

/** Change points (time, level), in time order. */
export function loadProfile(spec: LoadSpec, baseDir = "."): [number, number][] {
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
