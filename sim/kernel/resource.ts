/** A pool of identical servers with a FIFO wait queue, as SimPy's Resource. */
import { SimEvent } from "./events.js";
import type { Simulation } from "./simulation.js";

export class Resource {
  private inUse = 0;
  private waiting: SimEvent<void>[] = [];
  private head = 0;

  constructor(readonly sim: Simulation, readonly capacity = 1) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get busy(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** An event that succeeds when a server is granted. */
  request(): SimEvent<void> {
    const ev = new SimEvent<void>(this.sim);
    if (this.inUse < this.capacity) {
      this.inUse++;
      ev.succeed();
    } else {
      this.waiting.push(ev);
    }
    return ev;
  }

  release(): void {
    if (this.inUse === 0) throw new Error("release without a granted request");
    if (this.head < this.waiting.length) {
      this.waiting[this.head++].succeed();
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
    } else {
      this.inUse--;
    }
  }
}
