/**
 * Events for generator processes, in SimPy's shape: an event is triggered (given a value
 * or an error, and scheduled), then processed (its callbacks run, in the order added).
 */
import type { Simulation } from "./simulation.js";

export const URGENT = 0;
export const NORMAL = 1;

export type EventCallback = (ev: SimEvent<any>) => void;

const PENDING = 0;
const TRIGGERED = 1;
const PROCESSED = 2;

export class SimEvent<T = unknown> {
  value: T | undefined = undefined;
  /** False when the event failed; `value` then holds the error. */
  ok = true;
  /** Set when someone handled a failure, so it does not crash the run. */
  defused = false;
  protected state = PENDING;
  // One callback inline: most events have exactly one waiter.
  private cb0: EventCallback | undefined = undefined;
  private cbs: EventCallback[] | undefined = undefined;

  constructor(readonly sim: Simulation) {}

  get triggered(): boolean {
    return this.state !== PENDING;
  }

  get processed(): boolean {
    return this.state === PROCESSED;
  }

  succeed(value?: T, priority = NORMAL): this {
    this.trigger(true, value, priority);
    return this;
  }

  fail(error: Error, priority = NORMAL): this {
    this.trigger(false, error as unknown as T, priority);
    return this;
  }

  /** Marks triggered and schedules processing after `delay`. */
  protected trigger(ok: boolean, value: T | undefined, priority: number): void {
    if (this.state !== PENDING) throw new Error("event already triggered");
    this.state = TRIGGERED;
    this.ok = ok;
    this.value = value;
    this.sim.schedule(0, fire, this, priority);
  }

  addCallback(cb: EventCallback): void {
    if (this.state === PROCESSED) throw new Error("event already processed");
    if (this.cb0 === undefined && this.cbs === undefined) this.cb0 = cb;
    else (this.cbs ??= []).push(cb);
  }

  removeCallback(cb: EventCallback): void {
    if (this.cb0 === cb) this.cb0 = undefined;
    else if (this.cbs) {
      const i = this.cbs.indexOf(cb);
      if (i >= 0) this.cbs.splice(i, 1);
    }
  }

  /** Runs the callbacks; called by the kernel. */
  process(): void {
    this.state = PROCESSED;
    const cb0 = this.cb0, cbs = this.cbs;
    this.cb0 = undefined;
    this.cbs = undefined;
    if (cb0) cb0(this);
    if (cbs) for (const cb of cbs) cb(this);
    if (!this.ok && !this.defused) throw this.value;
  }
}

function fire(ev: SimEvent<any>): void {
  ev.process();
}

/** An event that succeeds after `delay` simulated seconds. */
export class Timeout<T = undefined> extends SimEvent<T> {
  constructor(sim: Simulation, readonly delay: number, value?: T) {
    super(sim);
    if (!(delay >= 0)) throw new RangeError(`timeout delay must be >= 0, got ${delay}`);
    // Inlined trigger(): this is the hot path of every process.
    this.state = TRIGGERED;
    this.value = value;
    sim.queue.push(sim.now + delay, NORMAL, fire, this);
  }
}

/** Thrown into a process by `Process.interrupt(cause)`. */
export class Interrupt extends Error {
  constructor(override readonly cause: unknown) {
    super(`interrupted: ${String(cause)}`);
    this.name = "Interrupt";
  }
}

/**
 * Waits on several events. `all` succeeds with their values in input order once every one
 * succeeded; `any` succeeds with `{index, value}` of the first processed. A failure fails it.
 */
export class Condition extends SimEvent<unknown> {
  private left: number;

  constructor(sim: Simulation, readonly mode: "all" | "any", readonly events: readonly SimEvent<any>[]) {
    super(sim);
    this.left = events.length;
    if (events.length === 0) {
      this.succeed(mode === "all" ? [] : undefined);
      return;
    }
    const check = (ev: SimEvent<any>) => this.check(ev);
    for (const ev of events) {
      if (ev.processed) check(ev);
      else ev.addCallback(check);
      if (this.triggered) break;
    }
  }

  private check(ev: SimEvent<any>): void {
    if (this.triggered) return;
    if (!ev.ok) {
      ev.defused = true;
      this.fail(ev.value as Error);
    } else if (this.mode === "any") {
      this.succeed({ index: this.events.indexOf(ev), value: ev.value });
    } else if (--this.left === 0) {
      this.succeed(this.events.map((e) => e.value));
    }
  }
}
