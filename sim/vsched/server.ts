/**
 * What the EDF dispatcher needs from a reserved VM, whatever the budget rule: whether it may
 * run now, the deadline it competes with, how much budget it has left, and when it next needs
 * the dispatcher's attention. All times and amounts are whole nanoseconds.
 */
import type { DispatchTarget, Reservation } from "../ports/index.js";

/** One job's (or one server period's) outcome. Times in seconds. */
export interface PeriodRecord {
  vm: string;
  release: number;
  deadline: number;
  /** CPU charged to the job (capped at the slice). */
  got: number;
  slice: number;
  missed: boolean;
  /** For a miss: seconds after the deadline the job finished, or NaN if it never ran to the end. */
  lateness: number;
}

export interface ServerStats {
  periods: number;
  misses: number;
  /** CPU seconds that jobs given up unfinished never got. */
  missAmount: number;
  /** CPU seconds beyond any budget that no later job could be charged with. */
  overrun: number;
}

export interface Server {
  readonly vm: string;
  /** Admission order; breaks ties between equal deadlines. */
  readonly seq: number;
  r: Reservation;
  core: number;
  /** CPU reading (seconds) when the dispatcher last gave it the core or credited it. */
  cpuMark: number;
  readonly stats: ServerStats;
  /** The dispatch port's handle on the VM, bound once by VSched when it admits the VM. */
  target: DispatchTarget;
  /** Brings releases or replenishments up to `now`; `runnable` says whether the VM has work. */
  advance(now: number, runnable: boolean): void;
  /** May run now (budget left, not throttled); call after `advance`. */
  ready(): boolean;
  /** The deadline it competes with under EDF (valid when ready). */
  deadline(): number;
  /** Budget left now (valid when ready). */
  budget(): number;
  /** Next time it needs a decision though it is not running: a release or replenishment. */
  nextEvent(): number;
  /** Charges `cpu` ns the VM used up to `now`. */
  charge(cpu: number, now: number): void;
  /** The VM became runnable at `now` after having no work. */
  woke(now: number): void;
  /** The reservation changes at `now`. */
  change(r: Reservation, now: number): void;
}

export type RecordSink = (p: PeriodRecord) => void;
