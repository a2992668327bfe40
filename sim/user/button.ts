/**
 * The user-driven scheduling button (Lin & Dinda, Grid 2004), TCP-like. `rate` is the share
 * of a core taken from the interactive VM and left to the others (what the user gives away);
 * the VM keeps a reservation of (1 - rate) of the core. Every interval the rate grows: by
 * `factor` while below the threshold (slow start, never past it), by `increment` at or above
 * it (linear increase), never past `max`. A press (the user finds the VM too slow) sets the
 * threshold to half the rate and resets the rate to `initial`, so the system keeps probing for
 * the most it can borrow before the user notices.
 */
import type { Clock, CpuControl } from "../ports/index.js";

export interface ButtonParams {
  /** Period of the VM's reservation, seconds. */
  period: number;
  /** Seconds between increases (TCP's round trip). */
  interval: number;
  /** Rate after a reset (> 0, or slow start could never leave it). */
  initial: number;
  /** Slow-start threshold before the first press. */
  threshold: number;
  /** Slow-start multiplier per interval (> 1). */
  factor: number;
  /** Linear increase per interval. */
  increment: number;
  /** Most of the core that may be taken from the VM (< 1 keeps it a slice). */
  max: number;
}

export interface ButtonState {
  rate: number;
  threshold: number;
}

/** One interval's increase. */
export function increase(s: ButtonState, p: ButtonParams): ButtonState {
  const rate = s.rate < s.threshold ? Math.min(s.threshold, s.rate * p.factor) : s.rate + p.increment;
  return { rate: Math.min(p.max, rate), threshold: s.threshold };
}

/** A press: the threshold halves (to half the current rate) and the rate resets. */
export function press(s: ButtonState, p: ButtonParams): ButtonState {
  return { rate: Math.min(p.max, p.initial), threshold: s.rate / 2 };
}

export interface ButtonRecord {
  t: number;
  event: "start" | "increase" | "press" | "refused";
  rate: number;
  threshold: number;
  /** The VM's reserved share of a core after the event. */
  share: number;
  note: string;
}

/** Drives one VM's reservation through CpuControl, so it runs live unchanged. */
export class ButtonController {
  state: ButtonState;
  /** Share of the reservation in force; undefined before any is admitted. */
  private inForce: number | undefined;
  readonly log: ButtonRecord[] = [];
  private listeners: ((r: ButtonRecord) => void)[] = [];

  constructor(private readonly clock: Clock, private readonly cpu: CpuControl, readonly vm: string, readonly params: ButtonParams, start = 0) {
    this.state = { rate: Math.min(params.max, params.initial), threshold: params.threshold };
    clock.at(start, () => this.apply(this.state, "start"));
    clock.every(params.interval, () => this.apply(increase(this.state, params), "increase"), start - clock.now + params.interval);
  }

  onRecord(fn: (r: ButtonRecord) => void): void {
    this.listeners.push(fn);
  }

  /** The user pressed the button. */
  press(): void {
    this.apply(press(this.state, this.params), "press");
  }

  /** The VM's reserved share now. */
  get share(): number {
    return 1 - this.state.rate;
  }

  private apply(next: ButtonState, event: ButtonRecord["event"]): void {
    // Asks for the rule's share; if admission refuses, backs off halfway toward the share in
    // force (none: nothing) a few times, so a press still gets the VM what fits. The state's
    // rate is always what is really borrowed: 1 - the share admitted.
    const asked = 1 - next.rate;
    this.refusal = "";
    let share = asked;
    let v = this.reserve(share);
    for (let tries = 0; !v.admitted && tries < 6; tries++) {
      share = (share + (this.inForce ?? 0)) / 2;
      v = this.reserve(share);
    }
    let note = "";
    if (v.admitted) {
      this.inForce = share;
      this.state = share === asked ? next : { rate: 1 - share, threshold: next.threshold };
      if (share !== asked) note = `asked for ${asked.toFixed(3)} of the core, admitted ${share.toFixed(3)}`;
    } else {
      // Refused: the reservation in force stays, but a press still lowers the threshold.
      note = `${event} refused: ${this.refusal}`;
      if (event === "press") this.state = { rate: this.state.rate, threshold: next.threshold };
      event = "refused";
    }
    const r: ButtonRecord = { t: this.clock.now, event, rate: this.state.rate, threshold: this.state.threshold, share: 1 - this.state.rate, note };
    this.log.push(r);
    for (const l of this.listeners) l(r);
  }

  private refusal = "";

  private reserve(share: number) {
    const v = this.cpu.reserve(this.vm, { period: this.params.period, slice: share * this.params.period });
    if (!v.admitted && this.refusal === "") this.refusal = v.reason;
    return v;
  }
}
