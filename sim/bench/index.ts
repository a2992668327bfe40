/** The benchmark registry: `virtuoso bench [NAME]`. Add a Bench here to make it runnable. */
import type { Bench } from "./bench.js";
import { phold, phold1m, pholdProcess } from "./phold.js";
import { bspAllToAll, bspRing, flowMemory, flows } from "./platform.js";
import { rng } from "./rng.js";
import { simgridCompare } from "./simgrid.js";
import { vsched } from "./vsched.js";
import { liveSignals } from "./live.js";
import { sweepBench } from "./sweep.js";
import { vadapt } from "./vadapt.js";
import { vttif } from "./vttif.js";

export type { Bench, Figure } from "./bench.js";

export const benches: readonly Bench[] = [phold, pholdProcess, phold1m, rng, flows, flowMemory, bspAllToAll, bspRing, simgridCompare, vsched, vttif, vadapt, sweepBench, liveSignals];

export function findBench(name: string): Bench | undefined {
  return benches.find((b) => b.name === name);
}
