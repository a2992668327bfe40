/**
 * The joystick (Lin & Dinda, VTDC 2006): the person sets the VM's (period, slice) directly,
 * sees what it costs (the reserved utilization) and admission control's refusals. The
 * simulated person holds the period and moves the utilization: up a step when the last
 * interval's mean response time was past their threshold, down a step when it was within it
 * (to give back CPU they do not need); the step halves whenever the direction reverses or a
 * setting is refused, down to `minStep`, so they home in on the cheapest comfortable setting.
 */
import type { Clock, CpuControl, ResponseTap } from "../ports/index.js";

export interface JoystickParams {
  period: number;
  /** Seconds between moves. */
  interval: number;
  /** Utilization (slice / period) the person starts at. */
  initial: number;
  step: number;
  minStep: number;
  /** Lowest utilization the stick reaches. */
  min: number;
  threshold: number;
}

export interface JoystickRecord {
  t: number;
  event: "start" | "move" | "refused";
  utilization: number;
  step: number;
  /** Mean response time over the interval that led to the move; NaN if none completed. */
  response: number;
  note: string;
}

export class JoystickUser {
  utilization: number;
  step: number;
  readonly log: JoystickRecord[] = [];
  responses = 0;
  comfortable = 0;
  private dir = 0;
  private sum = 0;
  private n = 0;
  private listeners: ((r: JoystickRecord) => void)[] = [];

  constructor(private readonly clock: Clock, private readonly cpu: CpuControl, tap: ResponseTap, readonly vm: string, app: string, readonly p: JoystickParams, start = 0) {
    this.utilization = p.initial;
    this.step = p.step;
    tap.observe(app, (r) => {
      this.responses++;
      if (r <= p.threshold) this.comfortable++;
      this.sum += r;
      this.n++;
    });
    clock.at(start, () => this.set(p.initial, "start", NaN));
    clock.every(p.interval, () => this.move(), start - clock.now + p.interval);
  }

  onRecord(fn: (r: JoystickRecord) => void): void {
    this.listeners.push(fn);
  }

  private move(): void {
    if (this.n === 0) return; // nothing perceived yet: nothing to judge
    const mean = this.sum / this.n;
    this.sum = this.n = 0;
    const dir = mean > this.p.threshold ? 1 : -1;
    if (this.dir !== 0 && dir !== this.dir) this.step = Math.max(this.p.minStep, this.step / 2);
    this.dir = dir;
    const u = Math.min(1, Math.max(this.p.min, this.utilization + dir * this.step));
    if (u !== this.utilization) this.set(u, "move", mean);
  }

  private set(u: number, event: JoystickRecord["event"], response: number): void {
    const v = this.cpu.reserve(this.vm, { period: this.p.period, slice: u * this.p.period });
    let note = "";
    if (v.admitted) this.utilization = u;
    else {
      note = v.reason;
      event = "refused";
      this.step = Math.max(this.p.minStep, this.step / 2);
    }
    const r: JoystickRecord = { t: this.clock.now, event, utilization: this.utilization, step: this.step, response, note };
    this.log.push(r);
    for (const l of this.listeners) l(r);
  }
}
