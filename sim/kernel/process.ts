/**
 * A process is a generator that yields events and is resumed with each event's value
 * (or has its error thrown in). The process is itself an event: it succeeds with the
 * generator's return value, so others can wait for it.
 */
import { Interrupt, SimEvent, URGENT, type EventCallback } from "./events.js";
import type { Simulation } from "./simulation.js";

export type ProcessGenerator<R = unknown> = Generator<SimEvent<any>, R, any>;

export class Process<R = unknown> extends SimEvent<R> {
  private target: SimEvent<any> | undefined;
  private readonly resumeCb: EventCallback;

  constructor(sim: Simulation, private readonly gen: ProcessGenerator<R>, readonly name = "process") {
    super(sim);
    this.resumeCb = (ev) => this.resume(ev);
    const start = new SimEvent(sim);
    start.addCallback(this.resumeCb);
    start.succeed(undefined, URGENT);
    this.target = start;
  }

  get alive(): boolean {
    return !this.triggered;
  }

  /** Throws `Interrupt(cause)` into the process at the current time, before normal events. */
  interrupt(cause?: unknown): void {
    if (!this.alive) throw new Error(`${this.name} has terminated and cannot be interrupted`);
    if (this.sim.activeProcess === this) throw new Error(`${this.name} cannot interrupt itself`);
    const ev = new SimEvent<Error>(this.sim);
    ev.defused = true;
    ev.addCallback((e) => {
      if (!this.alive) return;
      this.target?.removeCallback(this.resumeCb);
      this.resume(e);
    });
    ev.fail(new Interrupt(cause), URGENT);
  }

  private resume(ev: SimEvent<any>): void {
    const sim = this.sim;
    sim.activeProcess = this;
    let event = ev;
    for (;;) {
      let res: IteratorResult<SimEvent<any>, R>;
      try {
        if (event.ok) {
          res = this.gen.next(event.value);
        } else {
          event.defused = true;
          res = this.gen.throw(event.value);
        }
      } catch (err) {
        this.target = undefined;
        this.fail(err instanceof Error ? err : new Error(String(err)));
        break;
      }
      if (res.done) {
        this.target = undefined;
        this.succeed(res.value);
        break;
      }
      const next = res.value;
      if (!(next instanceof SimEvent)) {
        event = new SimEvent(sim);
        event.ok = false;
        event.value = new TypeError(`${this.name} yielded ${String(next)}, not an event`);
        continue;
      }
      if (next.processed) {
        event = next;
        continue;
      }
      next.addCallback(this.resumeCb);
      this.target = next;
      break;
    }
    sim.activeProcess = undefined;
  }
}
