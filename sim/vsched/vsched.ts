/**
 * VSched: periodic real-time scheduling of VMs. Each reserved VM gets `slice` seconds of CPU
 * in every `period`; every period is a job with the period's end as its deadline, and each
 * core runs the pending job with the earliest deadline (EDF). Unreserved work runs in the
 * leftover time.
 *
 * The dispatcher wakes only on timer ticks, as VSched's timers did: a job released between
 * ticks waits for the next one, and a job that has its slice keeps the CPU until the tick
 * that notices. A job that finishes after its deadline is a miss, late by the difference; a
 * late job still runs, so an overloaded VM falls behind and keeps missing, as under EDF.
 * Timer tick and dispatch overhead, not hard-coded limits, produce the utilization and
 * resolution limits.
 *
 * Talks only to a Clock and a CpuDispatch, so the same object drives real processes.
 */
import type { Admission, Clock, CpuDispatch, Reservation } from "../ports/index.js";
import { admit } from "./admission.js";

/** Pending jobs kept per VM; beyond this the oldest is given up as a miss that never finished. */
const MAX_BACKLOG = 1000;

export interface VSchedParams {
  cores: number;
  tick: number;
  uMax: number;
  overheadReserve: number;
  /** Refuse reservations beyond the limits (off to measure what happens beyond them). */
  admission: boolean;
}

/** One job's outcome: every period ends as one of these. */
export interface PeriodRecord {
  vm: string;
  release: number;
  deadline: number;
  /** CPU the job received (capped at the slice). */
  got: number;
  slice: number;
  missed: boolean;
  /** For a miss: seconds after the deadline the job finished, or NaN if it never ran to the end. */
  lateness: number;
}

interface Job {
  release: number;
  deadline: number;
  remaining: number;
}

class Client {
  jobs: Job[] = [];
  nextRelease: number;
  core = 0;
  /** CPU reading when the dispatcher last gave it the core. */
  cpuMark = 0;
  periods = 0;
  misses = 0;
  missAmount = 0;
  overrun = 0;

  constructor(readonly vm: string, public r: Reservation, now: number) {
    this.nextRelease = now;
  }

  get utilization(): number {
    return this.r.slice / this.r.period;
  }
}

class Core {
  /** Bound once: the dispatcher re-arms its timer on nearly every decision. */
  decideCb!: () => void;
  running: Client | undefined;
  /** When `running` got the core. */
  since = 0;
  timer = -1;
  wakeAt = Infinity;
  clients: Client[] = [];

  utilization(): number {
    return this.clients.reduce((u, c) => u + c.utilization, 0);
  }
}

export class VSched {
  private cores: Core[];
  private clients = new Map<string, Client>();
  private listeners: ((p: PeriodRecord) => void)[] = [];
  /** Dispatcher activations (ticks on which it decided something). */
  dispatches = 0;
  switches = 0;

  constructor(
    private readonly clock: Clock,
    private readonly dispatch: CpuDispatch,
    readonly params: VSchedParams,
  ) {
    this.cores = Array.from({ length: params.cores }, () => {
      const core = new Core();
      core.decideCb = () => this.decide(core);
      return core;
    });
    dispatch.onRunnable((vm) => {
      const c = this.clients.get(vm);
      if (c) this.wake(this.cores[c.core], this.clock.now);
    });
  }

  /** Adds or changes a VM's reservation. */
  reserve(vm: string, r: Reservation): Admission {
    const old = this.clients.get(vm);
    const without = (core: Core) => core.utilization() - (old && old.core === this.cores.indexOf(core) ? old.utilization : 0);
    // Worst fit: try the least loaded core first, which keeps cores balanced.
    const order = this.cores.map((c, i) => i).sort((a, b) => without(this.cores[a]) - without(this.cores[b]) || a - b);
    let verdict: Admission = { admitted: false, reason: "no cores" };
    let chosen = -1;
    for (const i of order) {
      verdict = this.params.admission ? admit(without(this.cores[i]), r, this.params) : { admitted: true };
      if (verdict.admitted) {
        chosen = i;
        break;
      }
    }
    if (!verdict.admitted) return verdict;
    const now = this.clock.now;
    if (old) {
      old.r = r;
      if (old.core !== chosen) this.move(old, chosen);
      this.wake(this.cores[chosen], now);
      return verdict;
    }
    const c = new Client(vm, r, now);
    c.core = chosen;
    this.clients.set(vm, c);
    this.cores[chosen].clients.push(c);
    this.dispatch.stop(vm);
    this.wake(this.cores[chosen], now);
    return verdict;
  }

  release(vm: string): void {
    const c = this.clients.get(vm);
    if (!c) return;
    const core = this.cores[c.core];
    if (core.running === c) {
      this.credit(core, this.clock.now);
      core.running = undefined;
    }
    core.clients.splice(core.clients.indexOf(c), 1);
    this.clients.delete(vm);
    // Unreserved again: it runs in the leftover time.
    this.dispatch.run(vm);
    this.wake(core, this.clock.now);
  }

  reservation(vm: string): Reservation | undefined {
    return this.clients.get(vm)?.r;
  }

  /** Utilization reserved on each core. */
  utilization(): number[] {
    return this.cores.map((c) => c.utilization());
  }

  /** Called with every period as it ends. */
  onPeriod(fn: (p: PeriodRecord) => void): void {
    this.listeners.push(fn);
  }

  stats(vm: string): { periods: number; misses: number; missAmount: number; overrun: number } | undefined {
    const c = this.clients.get(vm);
    return c && { periods: c.periods, misses: c.misses, missAmount: c.missAmount, overrun: c.overrun };
  }

  private move(c: Client, to: number): void {
    const from = this.cores[c.core];
    if (from.running === c) {
      this.credit(from, this.clock.now);
      from.running = undefined;
      this.dispatch.stop(c.vm);
    }
    from.clients.splice(from.clients.indexOf(c), 1);
    c.core = to;
    this.cores[to].clients.push(c);
    this.wake(from, this.clock.now);
  }

  /** Asks for a decision at the first tick at or after `t`. */
  private wake(core: Core, t: number): void {
    const at = this.ceilTick(t);
    if (at >= core.wakeAt) return;
    if (core.timer >= 0) this.clock.cancel(core.timer);
    core.wakeAt = at;
    core.timer = this.clock.at(at, core.decideCb);
  }

  private ceilTick(t: number): number {
    const tick = this.params.tick;
    const k = Math.ceil(t / tick - 1e-9);
    return Math.max(k * tick, this.clock.now);
  }

  /** Gives the running job the CPU it got since dispatch; returns when it would finish. */
  private credit(core: Core, now: number): void {
    const c = core.running;
    if (!c) return;
    const cpu = this.dispatch.cpuTime(c.vm);
    let got = cpu - c.cpuMark;
    c.cpuMark = cpu;
    const job = c.jobs[0];
    if (!job) {
      c.overrun += got;
      return;
    }
    const used = Math.min(got, job.remaining);
    job.remaining -= used;
    got -= used;
    if (job.remaining <= 1e-12) {
      // It finished when the CPU it used reached the slice; the rest of the interval is overrun.
      const finished = now - got;
      c.jobs.shift();
      this.end(c, job, finished);
      c.overrun += got;
    }
  }

  private end(c: Client, job: Job, finished: number): void {
    c.periods++;
    const missed = !(finished <= job.deadline + 1e-9);
    const got = c.r.slice - Math.max(0, job.remaining);
    if (missed) {
      c.misses++;
      c.missAmount += c.r.slice - got;
    }
    if (this.listeners.length === 0) return;
    const rec: PeriodRecord = { vm: c.vm, release: job.release, deadline: job.deadline, got, slice: c.r.slice, missed, lateness: missed ? finished - job.deadline : 0 };
    for (const l of this.listeners) l(rec);
  }

  private decide(core: Core): void {
    const now = this.clock.now;
    core.timer = -1;
    core.wakeAt = Infinity;
    this.dispatches++;
    this.credit(core, now);
    let next = Infinity;
    let best: Client | undefined;
    for (const c of core.clients) {
      // Release the jobs whose periods have begun.
      while (c.nextRelease <= now + 1e-12) {
        c.jobs.push({ release: c.nextRelease, deadline: c.nextRelease + c.r.period, remaining: c.r.slice });
        c.nextRelease += c.r.period;
        if (c.jobs.length > MAX_BACKLOG) this.end(c, c.jobs.shift()!, NaN);
      }
      // A VM with nothing to run wants no CPU: its lapsed periods are not misses.
      const runnable = this.dispatch.runnable(c.vm);
      if (!runnable) {
        while (c.jobs.length > 0 && c.jobs[0].deadline <= now + 1e-12) {
          c.jobs.shift();
          c.periods++;
        }
      }
      next = Math.min(next, c.nextRelease);
      const head = c.jobs[0];
      if (head && runnable && (!best || head.deadline < best.jobs[0].deadline)) best = c;
    }
    if (best !== core.running) {
      if (core.running) this.dispatch.stop(core.running.vm);
      if (best) {
        this.dispatch.run(best.vm);
        best.cpuMark = this.dispatch.cpuTime(best.vm);
        this.switches++;
      }
      core.running = best;
      core.since = now;
    }
    if (best) next = Math.min(next, now + best.jobs[0].remaining, best.jobs[0].deadline);
    if (next < Infinity) {
      const at = this.ceilTick(next);
      this.wake(core, at > now ? at : now + this.params.tick);
    }
  }
}
