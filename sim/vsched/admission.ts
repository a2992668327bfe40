/**
 * Admission control: a reservation is admitted on a core only if the core's total
 * utilization, counting the dispatcher's own switch overhead, stays within the bound and the
 * slice and period are no finer than the timer.
 */
import type { Admission, Reservation } from "../ports/index.js";

export interface AdmissionLimits {
  /** Utilization bound per core, before the overhead reserve. */
  uMax: number;
  /** Share of each core kept for the dispatcher itself. */
  overheadReserve: number;
  /** Timer tick, seconds. */
  tick: number;
  /** CPU seconds one context switch costs; each job is charged two (see `cost`). */
  switchOverhead?: number;
}

/**
 * What a reservation costs its core: slice/period plus two switches per period. Under EDF a
 * job is dispatched once and can preempt at most one other job, whose resumption is a second
 * switch, so two per job bound the dispatcher's own use.
 */
export function cost(r: Reservation, switchOverhead = 0): number {
  return (r.slice + 2 * switchOverhead) / r.period;
}

/** A request any scheduler must refuse, with or without admission control; undefined if well formed. */
export function malformed(r: Reservation): string | undefined {
  if (typeof r !== "object" || r === null) return "a reservation must be {period, slice}";
  if (!Number.isFinite(r.period) || !Number.isFinite(r.slice)) return `period and slice must be finite numbers (period ${ms(r.period)}, slice ${ms(r.slice)})`;
  if (!(r.period > 0) || !(r.slice > 0)) return `period and slice must be > 0 (period ${ms(r.period)}, slice ${ms(r.slice)})`;
  if (r.slice < 1e-9 || r.period < 1e-9) return `period and slice must be at least 1 ns (period ${ms(r.period)}, slice ${ms(r.slice)})`;
  return undefined;
}

export function admit(current: number, r: Reservation, l: AdmissionLimits): Admission {
  const bad = malformed(r);
  if (bad) return { admitted: false, reason: bad };
  if (r.slice > r.period) return { admitted: false, reason: `slice ${ms(r.slice)} > period ${ms(r.period)}` };
  if (r.slice < l.tick * (1 - 1e-9)) return { admitted: false, reason: `slice ${ms(r.slice)} < tick ${ms(l.tick)}` };
  if (r.period < l.tick * (1 - 1e-9)) return { admitted: false, reason: `period ${ms(r.period)} < tick ${ms(l.tick)}` };
  if (!Number.isFinite(current)) return { admitted: false, reason: `utilization of the core is not a number (${current})` };
  const bound = l.uMax - l.overheadReserve;
  const u = current + cost(r, l.switchOverhead);
  if (u > bound * (1 + 1e-9)) return { admitted: false, reason: `utilization ${fmt(u)} > ${fmt(bound)}` };
  return { admitted: true };
}

function ms(s: number): string {
  return Number.isFinite(s) ? `${Number((s * 1000).toPrecision(4))} ms` : String(s);
}

function fmt(u: number): string {
  return u.toFixed(2);
}
