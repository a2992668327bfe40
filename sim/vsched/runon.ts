/**
 * VSched's own budget rule ("run-on"): job k of a reservation made at t0 is released at
 * t0 + k x period and is due at t0 + (k+1) x period, computed from the index each time, never
 * accumulated. The dispatcher acts on ticks, so a job that used its slice keeps the CPU until
 * the tick that notices (the run-on). That CPU is charged: first to the VM's next jobs already
 * released, then to the next job released (its budget shrinks by it). Carry beyond one slice
 * is given up (counted as `overrun`), so a VM beyond the resolution limit cannot prepay many
 * periods and hide its misses.
 *
 * A job misses when its budget is not used up by its deadline; a late job still runs, so an
 * overloaded VM falls behind and keeps missing, as under EDF. Periods that lapse while the VM
 * has no work are not misses.
 */
import type { DispatchTarget, Reservation } from "../ports/index.js";
import type { RecordSink, Server, ServerStats } from "./server.js";
import { toNs, toSeconds } from "./time.js";

/** Pending jobs kept per VM; beyond this the oldest is given up as a miss that never finished. */
const MAX_BACKLOG = 1000;

interface Job {
  release: number;
  deadline: number;
  slice: number;
  remaining: number;
}

export class RunOnServer implements Server {
  core = 0;
  cpuMark = 0;
  readonly stats: ServerStats = { periods: 0, misses: 0, missAmount: 0, overrun: 0 };
  target!: DispatchTarget;
  private jobs: Job[] = [];
  /** Jobs done with, reused for later releases (a VM releases one per period for the whole run). */
  private spare: Job[] = [];
  private period: number;
  private slice: number;
  /** Release of job 0 of the current reservation, and the index of the next job to release. */
  private base: number;
  private k = 0;
  /** CPU already used that the next released job is charged with. */
  private carry = 0;

  constructor(readonly vm: string, readonly seq: number, public r: Reservation, now: number, private readonly listeners: readonly RecordSink[]) {
    this.period = toNs(r.period);
    this.slice = toNs(r.slice);
    this.base = now;
  }

  private get nextRelease(): number {
    return this.base + this.k * this.period;
  }

  advance(now: number, runnable: boolean): void {
    while (this.nextRelease <= now) {
      const release = this.nextRelease;
      this.k++;
      const prepaid = Math.min(this.carry, this.slice);
      this.carry -= prepaid;
      const job = this.spare.pop() ?? { release: 0, deadline: 0, slice: 0, remaining: 0 };
      job.release = release;
      job.deadline = this.nextRelease;
      job.slice = this.slice;
      job.remaining = this.slice - prepaid;
      if (job.remaining === 0) this.finish(job, release);
      else this.jobs.push(job);
      if (this.jobs.length > MAX_BACKLOG) this.finish(this.jobs.shift()!, NaN);
    }
    // A VM with nothing to run wants no CPU: its lapsed periods are not misses.
    if (!runnable) {
      while (this.jobs.length > 0 && this.jobs[0].deadline <= now) {
        this.spare.push(this.jobs.shift()!);
        this.stats.periods++;
      }
    }
  }

  ready(): boolean {
    return this.jobs.length > 0;
  }

  deadline(): number {
    return this.jobs[0].deadline;
  }

  budget(): number {
    return this.jobs[0].remaining;
  }

  nextEvent(): number {
    return this.nextRelease;
  }

  charge(cpu: number, now: number): void {
    let left = cpu;
    while (left > 0 && this.jobs.length > 0) {
      const job = this.jobs[0];
      const used = Math.min(left, job.remaining);
      job.remaining -= used;
      left -= used;
      if (job.remaining > 0) break;
      // It finished when the CPU it used reached its budget; the rest went to later jobs.
      this.jobs.shift();
      this.finish(job, now - left);
    }
    if (left <= 0) return;
    const room = this.slice - this.carry;
    this.carry += Math.min(left, room);
    if (left > room) this.stats.overrun += toSeconds(left - room);
  }

  woke(): void {}

  change(r: Reservation): void {
    // Jobs already released keep their budgets and deadlines; the next period starts on the
    // old schedule, then follows the new one.
    this.base = this.nextRelease;
    this.k = 0;
    this.r = r;
    this.period = toNs(r.period);
    this.slice = toNs(r.slice);
    this.carry = Math.min(this.carry, this.slice);
  }

  private record(job: Job, finished: number): void {
    const s = this.stats;
    s.periods++;
    const missed = !(finished <= job.deadline);
    if (missed) {
      s.misses++;
      s.missAmount += toSeconds(job.remaining);
    }
    if (this.listeners.length === 0) return;
    const rec = {
      vm: this.vm,
      release: toSeconds(job.release),
      deadline: toSeconds(job.deadline),
      got: toSeconds(job.slice - job.remaining),
      slice: toSeconds(job.slice),
      missed,
      lateness: missed ? toSeconds(finished - job.deadline) : 0,
    };
    for (const l of this.listeners) l(rec);
  }

  private finish(job: Job, finished: number): void {
    this.record(job, finished);
    this.spare.push(job);
  }
}
