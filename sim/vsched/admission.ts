/**
 * Admission control: a reservation is admitted on a core only if the core's total
 * utilization stays within the bound and the slice and period are no finer than the timer.
 */
import type { Admission, Reservation } from "../ports/index.js";

export interface AdmissionLimits {
  /** Utilization bound per core, before the overhead reserve. */
  uMax: number;
  /** Share of each core kept for the dispatcher itself. */
  overheadReserve: number;
  /** Timer tick, seconds. */
  tick: number;
}

export function admit(current: number, r: Reservation, l: AdmissionLimits): Admission {
  if (!(r.period > 0) || !(r.slice > 0)) return { admitted: false, reason: `period and slice must be > 0 (period ${ms(r.period)}, slice ${ms(r.slice)})` };
  if (r.slice > r.period) return { admitted: false, reason: `slice ${ms(r.slice)} > period ${ms(r.period)}` };
  if (r.slice < l.tick * (1 - 1e-9)) return { admitted: false, reason: `slice ${ms(r.slice)} < tick ${ms(l.tick)}` };
  if (r.period < l.tick * (1 - 1e-9)) return { admitted: false, reason: `period ${ms(r.period)} < tick ${ms(l.tick)}` };
  const bound = l.uMax - l.overheadReserve;
  const u = current + r.slice / r.period;
  if (u > bound * (1 + 1e-9)) return { admitted: false, reason: `utilization ${fmt(u)} > ${fmt(bound)}` };
  return { admitted: true };
}

function ms(s: number): string {
  return `${Number((s * 1000).toPrecision(4))} ms`;
}

function fmt(u: number): string {
  return u.toFixed(2);
}
