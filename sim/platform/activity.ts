/**
 * Something that progresses at a rate set from outside (work on a CPU, bytes on a network)
 * and completes when its amount is used up. Progress is settled lazily, when the rate
 * changes, so a steady activity costs no events until it ends.
 */
import type { Callback, Simulation } from "../kernel/index.js";

/** Completion events run after ordinary events at the same instant. */
export const COMPLETION_PRIORITY = 1;

export class Activity {
  remaining: number;
  rate = 0;
  last: number;
  private handle = -1;

  constructor(readonly amount: number, now: number) {
    this.remaining = amount;
    this.last = now;
  }

  /** Brings `remaining` up to `now`; returns the amount done since the last settle. */
  settle(now: number): number {
    const done = Math.min(this.remaining, this.rate * (now - this.last));
    this.last = now;
    if (done > 0) this.remaining -= done;
    return done > 0 ? done : 0;
  }

  /** Settles, sets a new rate, and moves the completion event to match it. */
  setRate(sim: Simulation, rate: number, onComplete: Callback): number {
    const done = this.settle(sim.now);
    this.rate = rate;
    this.unschedule(sim);
    if (this.remaining <= 0) this.handle = sim.schedule(0, onComplete, this, COMPLETION_PRIORITY);
    else if (rate > 0 && this.remaining < Infinity) this.handle = sim.schedule(this.remaining / rate, onComplete, this, COMPLETION_PRIORITY);
    return done;
  }

  unschedule(sim: Simulation): void {
    if (this.handle >= 0) sim.queue.cancel(this.handle);
    this.handle = -1;
  }

  /** Marks the activity finished (called from its completion event). */
  finish(now: number): void {
    this.handle = -1;
    this.last = now;
    this.remaining = 0;
  }
}
