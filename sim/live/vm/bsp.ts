/**
 * The BSP patterns program in the guests: each rank's plan, computed here from the
 * simulator's own pattern definitions (sim/workload/patterns.ts) and handed to the guest's
 * rank program (guest/bsp.c) on the kernel command line, so both run one definition.
 */
import { patternPhases, type Pattern } from "../../workload/patterns.js";
import type { BspSpec } from "../../workload/schema.js";

/** Where a rank's peers listen, inside the run's isolated segment. */
export const BSP_PORT = 7000;

/**
 * For rank `rank` of `n`: per pattern of the sequence, COUNT@TOTAL@PHASES with PHASES =
 * NEED:DST.DST;... (send to each DST once NEED messages of this superstep have arrived, as
 * sim/workload/bsp.ts does; TOTAL have arrived when the superstep is done).
 */
export function rankPlan(sequence: { pattern: Pattern; supersteps: number }[], n: number, rank: number): string {
  return sequence.map(({ pattern, supersteps }) => {
    const phases = patternPhases(pattern, n);
    let need = 0;
    const parts = phases.map((msgs) => {
      const part = `${need}:${msgs.filter(([s]) => s === rank).map(([, d]) => d).join(".")}`;
      need += msgs.filter(([, d]) => d === rank).length;
      return part;
    });
    return `${supersteps}@${need}@${parts.join(";") || "0:"}`;
  }).join(",");
}

/** The kernel parameter that starts rank `rank` of `w` (see guest/init). */
export function bspParam(w: BspSpec, rank: number, addresses: string[]): string {
  const sequence = w.sequence ?? [{ pattern: w.pattern, supersteps: 1 }];
  const total = w.sequence ? w.supersteps * sequence.reduce((k, x) => k + x.supersteps, 0) : w.supersteps;
  return rankParam({ sequence, messageBytes: w.messageBytes, computeOps: w.computeOps, supersteps: total }, rank, addresses);
}

/** The same, from a rank's job as a cluster agent is given it (`supersteps`: the total over the sequence). */
export function rankParam(job: { sequence: { pattern: Pattern; supersteps: number }[]; messageBytes: number; computeOps: number; supersteps: number; stamp?: boolean }, rank: number, addresses: string[]): string {
  // With `stamp` the rank dates its messages for Wren (see guest/bsp.c).
  return [rank, BSP_PORT, job.messageBytes, Math.round(job.computeOps), job.supersteps, addresses.join(","), rankPlan(job.sequence, addresses.length, rank), ...(job.stamp ? [1] : [])].join("/");
}

/** Patterns in which every rank receives every superstep, so no rank can run ahead of the others unboundedly. */
export const GUEST_PATTERNS: ReadonlySet<Pattern> = new Set(["ring", "all-to-all", "mesh", "torus", "tree", "n-body"]);
