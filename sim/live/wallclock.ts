/**
 * The Clock port on monotonic wall time: the live twin of the simulation kernel, as SimPy's
 * RealtimeEnvironment is of its Environment. Callbacks run from Node's timers; how late each
 * ran is recorded, so a run can say when it fell behind.
 */
import type { Clock, TimerId } from "../ports/index.js";
import { monotonicSeconds } from "./wall.js";

/** Never notified: Atomics.wait on it is a sub-millisecond sleep. */
const nap = new Int32Array(new SharedArrayBuffer(4));

export class WallClock implements Clock {
  private readonly t0 = monotonicSeconds();
  private timers = new Map<number, NodeJS.Timeout>();
  private next = 1;
  /** Lateness of every callback, in seconds. */
  readonly lateness: number[] = [];

  get now(): number {
    return monotonicSeconds() - this.t0;
  }

  at(time: number, fn: () => void): TimerId {
    const id = this.next++;
    const arm = () => {
      const wait = time - this.now;
      // Node's timers fire up to about 2 ms off (whole-millisecond loop time and poll
      // timeouts): sleep until 3 ms before the deadline, then in steps of at most 0.2 ms
      // (a precise, CPU-free wait) with the event loop run between steps, so a dispatcher is
      // neither late nor blocking timers due sooner.
      if (wait > 0.003) {
        this.timers.set(id, setTimeout(arm, (wait - 0.003) * 1000));
        return;
      }
      if (wait > 0) {
        Atomics.wait(nap, 0, 0, Math.min(wait, 0.0002) * 1000);
        this.timers.set(id, setImmediate(arm) as unknown as NodeJS.Timeout);
        return;
      }
      this.timers.delete(id);
      this.lateness.push(Math.max(0, this.now - time));
      fn();
    };
    arm();
    return id;
  }

  after(delay: number, fn: () => void): TimerId {
    return this.at(this.now + delay, fn);
  }

  every(interval: number, fn: () => void, start?: number): TimerId {
    const id = this.next++;
    // Call k is due at first + k x interval. A series that fell behind runs its due calls one
    // after another in a loop (not nested, so a long stall cannot overflow the stack), checking
    // between calls whether fn cancelled it, then arms the next one.
    const first = this.now + (start ?? interval);
    let k = 0;
    const track = (inner: number) => {
      if (this.timers.has(inner) && this.alias.has(id)) this.alias.set(id, inner);
    };
    const run = () => {
      for (let late = false; this.alias.has(id) && first + k * interval <= this.now; late = true) {
        if (late) this.lateness.push(this.now - (first + k * interval));
        k++;
        fn();
      }
      if (this.alias.has(id)) track(this.at(first + k * interval, run));
    };
    this.alias.set(id, -1);
    track(this.at(first, run));
    return id;
  }

  private alias = new Map<number, number>();

  cancel(id: TimerId): void {
    const inner = this.alias.get(id) ?? id;
    const t = this.timers.get(inner);
    if (t) {
      clearTimeout(t);
      clearImmediate(t as unknown as NodeJS.Immediate);
    }
    this.timers.delete(inner);
    this.timers.delete(id);
    this.alias.delete(id);
  }

  /** Cancels everything (on shutdown). */
  stop(): void {
    for (const t of this.timers.values()) {
      clearTimeout(t);
      clearImmediate(t as unknown as NodeJS.Immediate);
    }
    this.timers.clear();
    this.alias.clear();
  }

  /** Timer error percentiles, in seconds. */
  latenessQuantile(q: number): number {
    if (this.lateness.length === 0) return NaN;
    const s = [...this.lateness].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))];
  }
}
