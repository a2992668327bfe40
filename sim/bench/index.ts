/** The benchmark registry: `virtuoso bench [NAME]`. Add a Bench here to make it runnable. */
import type { Bench } from "./bench.js";
import { pholdBare } from "./bare.js";
import { pholdCalendar } from "./calendar.js";
import { phold, phold1m, pholdProcess } from "./phold.js";
import { bspAllToAll, bspRing, flowMemory, flows } from "./platform.js";
import { rng } from "./rng.js";
import { simgridCompare } from "./simgrid.js";
import { vsched } from "./vsched.js";
import { liveSignals } from "./live.js";
import { sweepBench } from "./sweep.js";
import { vadapt } from "./vadapt.js";
import { vttif } from "./vttif.js";
import { startup } from "./startup.js";
import { predict } from "./predict.js";

export type { Bench, Figure } from "./bench.js";
export { compareBenches, median, splitParams, type RunOnce } from "./compare.js";

export const benches: readonly Bench[] = [phold, pholdBare, pholdCalendar, pholdProcess, phold1m, rng, flows, flowMemory, bspAllToAll, bspRing, simgridCompare, vsched, vttif, vadapt, sweepBench, liveSignals, startup, predict];

export function findBench(name: string): Bench | undefined {
  return benches.find((b) => b.name === name);
}
