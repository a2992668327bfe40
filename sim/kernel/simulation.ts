/**
 * The simulation kernel: a clock, the event queue, named random streams and a trace.
 * Callbacks (`schedule`, `at`) are the fast path; generator processes sit on top.
 */
import type { Clock, TimerId } from "../ports/index.js";
import { Condition, NORMAL, SimEvent, Timeout } from "./events.js";
import { Process, type ProcessGenerator } from "./process.js";
import { EventQueue, type Callback, type Handle } from "./queue.js";
import { RandomStreams, type Rng } from "./rng.js";
import { TraceRecorder } from "./trace.js";

export interface RunOptions {
  /** Process events with time <= until, then set the clock to until. */
  until?: number;
  /** Called with the clock every `progressEvery` events, for progress bars. */
  progress?: (now: number) => void;
  progressEvery?: number;
}

interface Periodic {
  handle: Handle;
  interval: number;
  fn: () => void;
}

export class Simulation implements Clock {
  now = 0;
  /** Events processed so far. */
  events = 0;
  activeProcess: Process<any> | undefined;
  readonly queue = new EventQueue();
  readonly streams: RandomStreams;
  readonly trace = new TraceRecorder();
  private stopped = false;
  private periodics = new Map<number, Periodic>();
  private nextPeriodic = -1;

  constructor(readonly seed: number = 0) {
    this.streams = new RandomStreams(seed);
  }

  /** The random stream for `name`; its numbers depend on (seed, name) only. */
  rng(name: string): Rng {
    return this.streams.get(name);
  }

  /** Calls `fn(arg)` after `delay`. Lower priority runs first among simultaneous events. */
  schedule(delay: number, fn: Callback, arg?: unknown, priority = NORMAL): Handle {
    if (!(delay >= 0)) throw new RangeError(`delay must be >= 0, got ${delay}`);
    return this.queue.push(this.now + delay, priority, fn, arg);
  }

  /** Calls `fn(arg)` at absolute time `time` (>= now). */
  scheduleAt(time: number, fn: Callback, arg?: unknown, priority = NORMAL): Handle {
    if (!(time >= this.now)) throw new RangeError(`time ${time} is before now ${this.now}`);
    return this.queue.push(time, priority, fn, arg);
  }

  at(time: number, fn: () => void): TimerId {
    return this.scheduleAt(time, fn);
  }

  after(delay: number, fn: () => void): TimerId {
    return this.schedule(delay, fn);
  }

  every(interval: number, fn: () => void, start?: number): TimerId {
    if (!(interval > 0)) throw new RangeError(`interval must be > 0, got ${interval}`);
    const id = this.nextPeriodic--;
    const p: Periodic = { handle: -1, interval, fn };
    // Tick k (from 0) falls at now + (k + 1) x interval, or now + start + k x interval: computed
    // afresh from its index each time, so rounding never accumulates.
    if (start !== undefined && !(start >= 0)) throw new RangeError(`start must be >= 0, got ${start}`);
    const base = this.now, offset = start === undefined ? 1 : 0, at = (k: number) => (start === undefined ? base : base + start) + (k + offset) * p.interval;
    let k = 0;
    const tick = () => {
      p.handle = this.scheduleAt(at(++k), tick);
      p.fn();
    };
    p.handle = this.scheduleAt(at(0), tick);
    this.periodics.set(id, p);
    return id;
  }

  cancel(id: TimerId): void {
    if (id < 0) {
      const p = this.periodics.get(id);
      if (p) {
        this.queue.cancel(p.handle);
        this.periodics.delete(id);
      }
    } else {
      this.queue.cancel(id);
    }
  }

  /** Processes the next event; false when none is left. */
  step(): boolean {
    const q = this.queue;
    if (!q.pop()) return false;
    this.now = q.poppedTime;
    this.events++;
    q.poppedFn!(q.poppedArg);
    return true;
  }

  /** Asks a running `run()` to return after the current event. */
  stop(): void {
    this.stopped = true;
  }

  run(opts: RunOptions = {}): void {
    const until = opts.until ?? Infinity;
    if (!(until >= this.now)) throw new RangeError(`until ${until} is before now ${this.now}`);
    const q = this.queue;
    const progress = opts.progress;
    const mask = progress ? nextPow2(opts.progressEvery ?? 65536) - 1 : -1;
    this.stopped = false;
    while (q.popUntil(until)) {
      this.now = q.poppedTime;
      q.poppedFn!(q.poppedArg);
      this.events++;
      if (progress !== undefined && (this.events & mask) === 0) progress(this.now);
      if (this.stopped) return;
    }
    if (until !== Infinity) this.now = until;
  }

  // Process API, as in SimPy.

  process<R>(gen: ProcessGenerator<R>, name?: string): Process<R> {
    return new Process(this, gen, name);
  }

  timeout<T = undefined>(delay: number, value?: T): Timeout<T> {
    return new Timeout(this, delay, value);
  }

  event<T = unknown>(): SimEvent<T> {
    return new SimEvent<T>(this);
  }

  allOf(events: readonly SimEvent<any>[]): Condition {
    return new Condition(this, "all", events);
  }

  anyOf(events: readonly SimEvent<any>[]): Condition {
    return new Condition(this, "any", events);
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
