import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A benchmark: named, with numeric parameters, reporting figures as {name, value, unit}. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
}

export interface Bench {
  name: string;
  description: string;
  /** Parameters and their defaults; `virtuoso bench NAME --param value` overrides them. */
  params: Record<string, number>;
  run(params: Record<string, number>): Figure[];
  /** For benchmarks that drive other processes. */
  runAsync?(params: Record<string, number>): Promise<Figure[]>;
  /** Why this machine cannot run it, if it cannot (e.g. it needs root). */
  unavailable?(): string | undefined;
}

/** Figures are reported to a fixed number of decimals. */
export function round(x: number, digits = 3): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/** User + system CPU seconds of this process since `from` (a `process.cpuUsage()` reading). */
export function cpuSeconds(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

let collect: (() => void) | undefined;

/** Live heap bytes (JS heap + typed-array buffers) after a full garbage collection. */
export function liveBytes(): number {
  if (!collect) {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
