/**
 * The global rate controller for time-shared parallel applications: every control interval
 * it reads each application's progress, compares the rate with the target (a fraction of its
 * dedicated rate), and sets one (period, slice) on all the application's nodes through
 * CpuControl. Proportional control on utilization with a dead band. Once the target is held
 * it tries the other candidate periods, and settles on the one that holds it at the lowest
 * utilization; a period that cannot hold it within `patience` intervals is skipped.
 */
import type { Clock, CpuControl } from "../ports/index.js";

export interface RateApp {
  app: string;
  vms: string[];
  dedicatedRate: number;
  targets: { at: number; rate: number }[];
}

export interface RateControlParams {
  interval: number;
  deadband: number;
  gain: number;
  periods: number[];
  minUtilization: number;
  /** Intervals to wait for a period to hold the target before trying another. */
  patience: number;
  /** Consecutive intervals in the dead band that count as holding the target. */
  settle: number;
}

export interface ControlRecord {
  t: number;
  app: string;
  target: number;
  /** Measured rate over the last interval, as a fraction of the dedicated rate. */
  rate: number;
  utilization: number;
  period: number;
  reachable: boolean;
  note: string;
}

class AppState {
  target: number;
  u: number;
  period: number;
  lastProgress = 0;
  lastT = 0;
  /** Utilization at which each period held the target; NaN where it could not. */
  held = new Map<number, number>();
  inBand = 0;
  outOfBand = 0;
  unreachable = 0;
  reachable = true;

  constructor(readonly spec: RateApp, periods: number[]) {
    this.target = spec.targets[0].rate;
    this.u = this.target;
    this.period = periods[0];
  }
}

export class RateController {
  private apps: AppState[];
  private listeners: ((r: ControlRecord) => void)[] = [];

  constructor(private readonly clock: Clock, private readonly cpu: CpuControl, apps: RateApp[], readonly params: RateControlParams) {
    this.apps = apps.map((a) => new AppState(a, params.periods));
    for (const s of this.apps) {
      for (const t of s.spec.targets) clock.at(t.at, () => this.setTarget(s.spec.app, t.rate));
    }
    clock.at(clock.now, () => {
      for (const s of this.apps) this.apply(s, s.u, s.period);
    });
    clock.every(params.interval, () => this.step());
  }

  onRecord(fn: (r: ControlRecord) => void): void {
    this.listeners.push(fn);
  }

  /** Changes an application's target at run time. */
  setTarget(app: string, rate: number): void {
    const s = this.apps.find((a) => a.spec.app === app);
    if (!s) throw new Error(`rate controller: no application "${app}"`);
    s.target = rate;
    s.unreachable = 0;
    s.reachable = true;
    s.held.clear();
    s.inBand = s.outOfBand = 0;
  }

  private step(): void {
    const now = this.clock.now;
    for (const s of this.apps) {
      const progress = this.cpu.progress(s.spec.app) ?? 0;
      const dt = now - s.lastT;
      const rate = dt > 0 ? (progress - s.lastProgress) / dt / s.spec.dedicatedRate : 0;
      s.lastProgress = progress;
      s.lastT = now;
      const err = s.target - rate;
      let note = "hold";
      let u = s.u;
      if (Math.abs(err) > this.params.deadband) {
        u = clamp(s.u + this.params.gain * err, this.params.minUtilization, 1);
        note = err > 0 ? "raise" : "lower";
        s.inBand = 0;
        s.outOfBand++;
      } else {
        s.inBand++;
        s.outOfBand = 0;
      }
      const period = this.choosePeriod(s);
      if (period !== s.period) note += `, try period ${period}`;
      if (u !== s.u || period !== s.period) {
        // Refused: back off toward the current utilization a few times before giving up.
        let tries = 0;
        while (!this.apply(s, u, period) && tries++ < 4) u = (u + s.u) / 2;
        if (tries > 4) note = "refused";
      }
      // A target we cannot reach even at the highest admissible utilization.
      if (err > this.params.deadband && (note === "refused" || s.u >= 1 - 1e-9)) s.unreachable++;
      else s.unreachable = 0;
      s.reachable = s.unreachable < 3;
      const rec: ControlRecord = { t: now, app: s.spec.app, target: s.target, rate, utilization: s.u, period: s.period, reachable: s.reachable, note };
      for (const l of this.listeners) l(rec);
    }
  }

  /** Records how the current period did, and picks the period to use next. */
  private choosePeriod(s: AppState): number {
    const p = this.params;
    if (s.inBand >= p.settle) s.held.set(s.period, s.u);
    else if (s.outOfBand >= p.patience) s.held.set(s.period, NaN);
    else return s.period;
    s.inBand = s.outOfBand = 0;
    const untried = p.periods.find((x) => !s.held.has(x));
    if (untried !== undefined) return untried;
    let best = s.period;
    for (const x of p.periods) {
      const u = s.held.get(x)!;
      if (u < (s.held.get(best) ?? NaN) || Number.isNaN(s.held.get(best)!)) best = x;
    }
    return best;
  }

  /** One reservation on every node of the application, or none changed. */
  private apply(s: AppState, u: number, period: number): boolean {
    const r = { period, slice: u * period };
    const done: string[] = [];
    for (const vm of s.spec.vms) {
      const v = this.cpu.reserve(vm, r);
      if (!v.admitted) {
        const back = { period: s.period, slice: s.u * s.period };
        for (const d of done) this.cpu.reserve(d, back);
        return false;
      }
      done.push(vm);
    }
    s.u = u;
    s.period = period;
    return true;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
