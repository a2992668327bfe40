/**
 * The constant bandwidth server of Linux SCHED_DEADLINE (runtime = slice, deadline = period =
 * period), at the dispatcher's tick resolution:
 * - a reservation starts a server period: deadline d = now + period, budget q = slice;
 * - running uses up q; at the first tick that sees q <= 0 the VM is throttled, and the
 *   overrun (-q) stays charged;
 * - at d the budget is replenished: while q <= 0 { d += period; q += slice } (the overrun
 *   comes out of the next budget); if d is still in the past, d = now + period, q = slice;
 * - a VM that wakes after having no work, not throttled, keeps (d, q) unless d < now or
 *   q / (d - now) > slice / period, in which case d = now + period, q = slice (CBS wake-up rule).
 * d is kept as base + index x period with integer nanoseconds, never accumulated.
 *
 * A server period ends when its budget is used up; it is a miss if that happened after d.
 * A period the VM abandons (it had no work, and the wake-up rule opened a new one) is neither
 * recorded nor counted.
 */
import type { DispatchTarget, Reservation } from "../ports/index.js";
import type { RecordSink, Server, ServerStats } from "./server.js";
import { toNs, toSeconds } from "./time.js";

export class CbsServer implements Server {
  core = 0;
  cpuMark = 0;
  readonly stats: ServerStats = { periods: 0, misses: 0, missAmount: 0, overrun: 0 };
  target!: DispatchTarget;
  private period: number;
  private slice: number;
  /** d = base + index x period. */
  private base = 0;
  private index = 1;
  /** Budget left; negative after an overrun. */
  private q = 0;
  private throttled = false;

  constructor(readonly vm: string, readonly seq: number, public r: Reservation, now: number, private readonly listeners: readonly RecordSink[]) {
    this.period = toNs(r.period);
    this.slice = toNs(r.slice);
    this.newPeriod(now);
  }

  private get d(): number {
    return this.base + this.index * this.period;
  }

  private newPeriod(now: number): void {
    this.base = now;
    this.index = 1;
    this.q = this.slice;
  }

  advance(now: number): void {
    if (this.throttled && this.d <= now) this.replenish(now);
  }

  ready(): boolean {
    return !this.throttled;
  }

  deadline(): number {
    return this.d;
  }

  budget(): number {
    return Math.max(0, this.q);
  }

  nextEvent(): number {
    return this.throttled ? this.d : Infinity;
  }

  charge(cpu: number, now: number): void {
    if (cpu <= 0 || this.throttled) {
      if (this.throttled) this.q -= cpu;
      return;
    }
    this.q -= cpu;
    if (this.q > 0) return;
    // Used up at the moment its CPU reached the budget; what ran since is the overrun.
    const exhausted = now + this.q;
    const missed = exhausted > this.d;
    this.stats.periods++;
    if (missed) this.stats.misses++;
    if (this.listeners.length > 0) {
      const rec = {
        vm: this.vm,
        release: toSeconds(this.d - this.period),
        deadline: toSeconds(this.d),
        got: toSeconds(this.slice),
        slice: toSeconds(this.slice),
        missed,
        lateness: missed ? toSeconds(exhausted - this.d) : 0,
      };
      for (const l of this.listeners) l(rec);
    }
    this.throttled = true;
    if (this.d <= now) this.replenish(now);
  }

  woke(now: number): void {
    if (this.throttled) return;
    // q / (d - now) > slice / period, compared exactly as integers.
    if (this.d < now || BigInt(this.q) * BigInt(this.period) > BigInt(this.slice) * BigInt(this.d - now)) this.newPeriod(now);
  }

  change(r: Reservation, now: number): void {
    this.r = r;
    this.period = toNs(r.period);
    this.slice = toNs(r.slice);
    this.throttled = false;
    this.newPeriod(now);
  }

  private replenish(now: number): void {
    while (this.q <= 0) {
      this.index++;
      this.q += this.slice;
    }
    if (this.d < now) this.newPeriod(now);
    this.throttled = false;
  }
}
