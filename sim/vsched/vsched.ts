/**
 * VSched: periodic real-time scheduling of VMs. Each reserved VM gets `slice` seconds of CPU
 * in every `period`, under one of two budget rules (`runon.ts`: VSched's periodic jobs;
 * `cbs.ts`: SCHED_DEADLINE's constant bandwidth server), and each core runs the ready VM
 * with the earliest deadline (EDF). Unreserved work runs in the leftover time.
 *
 * The dispatcher wakes only on timer ticks (whole multiples of the tick from time 0), as
 * VSched's timers did: a release between ticks waits for the next one, and a VM that used
 * its budget keeps the CPU until the tick that notices; the budget rule charges that CPU.
 * Timer tick and dispatch overhead, not hard-coded limits, produce the utilization and
 * resolution limits.
 *
 * Equal deadlines (compared as integer nanoseconds) are broken by one rule: the VM holding
 * the core keeps it; otherwise the VM admitted first wins (a changed reservation keeps its
 * place).
 *
 * Talks only to a Clock and a CpuDispatch, so the same object drives real processes.
 */
import type { Admission, Clock, CpuDispatch, DispatchTarget, Reservation } from "../ports/index.js";
import { admit, cost, malformed } from "./admission.js";
import { CbsServer } from "./cbs.js";
import { RunOnServer } from "./runon.js";
import type { PeriodRecord, RecordSink, Server, ServerStats } from "./server.js";
import { ceilDiv, toNs, toSeconds } from "./time.js";

export type BudgetRule = "run-on" | "cbs";

export interface VSchedParams {
  cores: number;
  tick: number;
  uMax: number;
  overheadReserve: number;
  /** Refuse reservations beyond the limits (off to measure what happens beyond them). */
  admission: boolean;
  /** CPU seconds per context switch, which admission counts (two per job). */
  dispatchOverhead?: number;
  /** How a VM's budget is kept: VSched's periodic jobs, or SCHED_DEADLINE's CBS. */
  budget?: BudgetRule;
}

class Core {
  /** Bound once: the dispatcher re-arms its timer on nearly every decision. */
  decideCb!: () => void;
  running: Server | undefined;
  timer = -1;
  /** Pending decision time, ns. */
  wakeAt = Infinity;
  servers: Server[] = [];
  /** Admitted cost, kept as a sum over the servers so no rounding piles up. */
  cost(overhead: number): number {
    let u = 0;
    for (const s of this.servers) u += cost(s.r, overhead);
    return u;
  }
}

export class VSched {
  private cores: Core[];
  private servers = new Map<string, Server>();
  private listeners: RecordSink[] = [];
  private readonly tick: number;
  private seq = 0;
  /** Dispatcher activations (ticks on which it decided something). */
  dispatches = 0;
  switches = 0;

  constructor(
    private readonly clock: Clock,
    private readonly dispatch: CpuDispatch,
    readonly params: VSchedParams,
  ) {
    this.tick = Math.max(1, toNs(params.tick));
    this.cores = Array.from({ length: params.cores }, () => {
      const core = new Core();
      core.decideCb = () => this.decide(core);
      return core;
    });
    dispatch.onRunnable((vm) => {
      const s = this.servers.get(vm);
      if (!s) return;
      const now = this.now();
      s.woke(now);
      this.wake(this.cores[s.core], now);
    });
  }

  /** Adds or changes a VM's reservation. */
  /** The reservation in force for a VM, if any (for displays). */
  reservationOf(vm: string): Reservation | undefined {
    return this.servers.get(vm)?.r;
  }

  reserve(vm: string, r: Reservation): Admission {
    const bad = malformed(r);
    if (bad) return { admitted: false, reason: bad };
    const overhead = this.params.dispatchOverhead ?? 0;
    const old = this.servers.get(vm);
    const without = (i: number) => this.cores[i].cost(overhead) - (old && old.core === i ? cost(old.r, overhead) : 0);
    // Worst fit: try the least loaded core first, which keeps cores balanced.
    const load = this.cores.map((_, i) => without(i));
    const order = this.cores.map((_, i) => i).sort((a, b) => load[a] - load[b] || a - b);
    let verdict: Admission = { admitted: false, reason: "no cores" };
    let chosen = -1;
    for (const i of order) {
      verdict = this.params.admission ? admit(load[i], r, { ...this.params, switchOverhead: overhead }) : { admitted: true };
      if (verdict.admitted) {
        chosen = i;
        break;
      }
    }
    if (!verdict.admitted) return verdict;
    const now = this.now();
    if (old) {
      const from = this.cores[old.core];
      if (from.running === old) this.credit(from, now);
      old.change(r, now);
      if (old.core !== chosen) this.move(old, chosen, now);
      this.wake(this.cores[chosen], now);
      return verdict;
    }
    const s = this.params.budget === "cbs" ? new CbsServer(vm, this.seq++, r, now, this.listeners) : new RunOnServer(vm, this.seq++, r, now, this.listeners);
    s.core = chosen;
    s.target = targetOf(this.dispatch, vm);
    this.servers.set(vm, s);
    this.cores[chosen].servers.push(s);
    this.dispatch.stop(vm);
    this.wake(this.cores[chosen], now);
    return verdict;
  }

  release(vm: string): void {
    const s = this.servers.get(vm);
    if (!s) return;
    const core = this.cores[s.core];
    const now = this.now();
    if (core.running === s) {
      this.credit(core, now);
      core.running = undefined;
    }
    core.servers.splice(core.servers.indexOf(s), 1);
    this.servers.delete(vm);
    // Unreserved again: it runs in the leftover time.
    this.dispatch.run(vm);
    this.wake(core, now);
  }

  reservation(vm: string): Reservation | undefined {
    return this.servers.get(vm)?.r;
  }

  /** Utilization reserved on each core, as admission counts it (switch overhead included). */
  utilization(): number[] {
    return this.cores.map((c) => c.cost(this.params.dispatchOverhead ?? 0));
  }

  /** Called with every period as it ends. */
  onPeriod(fn: (p: PeriodRecord) => void): void {
    this.listeners.push(fn);
  }

  stats(vm: string): ServerStats | undefined {
    const s = this.servers.get(vm);
    return s && { ...s.stats };
  }

  private now(): number {
    return toNs(this.clock.now);
  }

  private move(s: Server, to: number, now: number): void {
    const from = this.cores[s.core];
    if (from.running === s) {
      from.running = undefined;
      this.dispatch.stop(s.vm);
    }
    from.servers.splice(from.servers.indexOf(s), 1);
    s.core = to;
    this.cores[to].servers.push(s);
    this.wake(from, now);
  }

  /** Asks for a decision at the first tick at or after `t` (ns). */
  private wake(core: Core, t: number): void {
    const at = Math.max(ceilDiv(t, this.tick) * this.tick, this.now());
    if (at >= core.wakeAt) return;
    if (core.timer >= 0) this.clock.cancel(core.timer);
    core.wakeAt = at;
    // The clock may sit a rounding error past the nanosecond `at` names.
    core.timer = this.clock.at(Math.max(toSeconds(at), this.clock.now), core.decideCb);
  }

  /** Charges the running VM with the CPU it used since the last reading. */
  private credit(core: Core, now: number): void {
    const s = core.running;
    if (!s) return;
    const cpu = s.target.cpuTime();
    const used = toNs(cpu - s.cpuMark);
    s.cpuMark = cpu;
    s.charge(used, now);
  }

  private decide(core: Core): void {
    const now = this.now();
    core.timer = -1;
    core.wakeAt = Infinity;
    this.dispatches++;
    this.credit(core, now);
    const running = core.running;
    let next = Infinity;
    let best: Server | undefined;
    let bd = Infinity;
    for (const s of core.servers) {
      const runnable = s.target.runnable();
      s.advance(now, runnable);
      const e = s.nextEvent();
      if (e < next) next = e;
      if (!runnable || !s.ready()) continue;
      const d = s.deadline();
      if (!best) {
        best = s;
        bd = d;
        continue;
      }
      // EDF; on equal deadlines the running VM, then the one admitted first.
      if (d < bd || (d === bd && best !== running && (s === running || s.seq < best.seq))) {
        best = s;
        bd = d;
      }
    }
    if (best !== running) {
      if (running) running.target.stop();
      if (best) {
        best.target.run();
        best.cpuMark = best.target.cpuTime();
        this.switches++;
      }
      core.running = best;
    }
    if (best) next = Math.min(next, now + best.budget());
    if (next < Infinity) this.wake(core, next > now ? next : now + this.tick);
  }
}

/** The port's own handle on `vm` if it has one, else its name-keyed calls bound to `vm`. */
function targetOf(d: CpuDispatch, vm: string): DispatchTarget {
  return d.target?.(vm) ?? { run: () => d.run(vm), stop: () => d.stop(vm), runnable: () => d.runnable(vm), cpuTime: () => d.cpuTime(vm) };
}
