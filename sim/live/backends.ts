/**
 * CPU enforcement for live mode, behind the CpuControl port: Linux SCHED_DEADLINE, cgroup CPU
 * bandwidth (v1 cpu.cfs_* or v2 cpu.max), or VSched's own SIGSTOP/SIGCONT dispatcher. Each
 * records what it changed so `restore()` can undo all of it, and admission control runs
 * first, with the same code and messages as in simulation.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import type { Admission, Clock, CpuControl, CpuDispatch, Reservation } from "../ports/index.js";
import { admit } from "../vsched/admission.js";
import { VSched, type BudgetRule } from "../vsched/vsched.js";
import { allowedCpus, placement, putBack, raise, type ThreadPlacement } from "./cpus.js";
import type { LiveProcess } from "./procs.js";
import { BookedTime } from "./booked.js";
import { policy } from "./vm/threads.js";

export type BackendName = "signals" | "deadline" | "cgroup";

export interface Backend extends CpuControl {
  readonly name: BackendName;
  /** Cumulative counters the mechanism keeps for a VM (its evidence), reported per window. */
  counters(vm: string): Record<string, number>;
  /** Why the run's numbers cannot be trusted, if the machine kept the mechanism from working. */
  overloaded(): string | undefined;
  restore(): void;
}

/** A run whose mechanism was kept from working: a clear failure, not wrong numbers. */
export class MachineTooLoaded extends Error {}

/** What the machine offers; a missing piece is a reason, not a crash. */
export function probe(name: BackendName): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (to change scheduling classes, cgroups and other processes)";
  if (name === "deadline" && !which("chrt")) return "chrt (util-linux) is not installed";
  if (name === "signals" && (!which("chrt") || !which("taskset"))) return "chrt and taskset (util-linux) are needed";
  if (name === "signals" && allowedCpus().length < 2) return "needs two CPUs: one for the workers, one for the dispatcher";
  if (name === "cgroup" && !cgroupRoot()) return "no cgroup with the cpu controller (v1 /sys/fs/cgroup/cpu or v2 cpu.max)";
  return undefined;
}

export function which(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The cgroup to create groups under, and its version. */
export function cgroupRoot(): { path: string; version: 1 | 2 } | undefined {
  for (const p of ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]) {
    const ctl = `${p}/cgroup.controllers`;
    if (existsSync(ctl) && readFileSync(ctl, "utf8").split(/\s+/).includes("cpu")) return { path: p, version: 2 };
  }
  if (existsSync("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")) return { path: "/sys/fs/cgroup/cpu", version: 1 };
  return undefined;
}

/**
 * Admission for a live backend: the simulator's rule over the other VMs' reservations (a VM's
 * own earlier one is replaced), at the kernel's 1 us resolution rather than a timer tick.
 */
export function admitBeside(reserved: ReadonlyMap<string, Reservation>, vm: string, r: Reservation, uMax: number): Admission {
  const others = [...reserved].filter(([v]) => v !== vm).reduce((u, [, x]) => u + x.slice / x.period, 0);
  return admit(others, r, { uMax, overheadReserve: 0, tick: 1e-6 });
}

abstract class Base implements Backend {
  abstract readonly name: BackendName;
  protected reserved = new Map<string, Reservation>();

  constructor(protected readonly procs: Map<string, LiveProcess>, protected readonly uMax: number) {}

  reserve(vm: string, r: Reservation): Admission {
    const verdict = admitBeside(this.reserved, vm, r, this.uMax);
    if (!verdict.admitted) return verdict;
    this.apply(this.proc(vm), r);
    this.reserved.set(vm, r);
    return verdict;
  }

  release(vm: string): void {
    if (!this.reserved.delete(vm)) return;
    this.unapply(this.proc(vm));
  }

  usage(vm: string): number {
    return this.proc(vm).cpuSeconds();
  }

  progress(): number | undefined {
    return undefined;
  }

  counters(_vm: string): Record<string, number> {
    return {};
  }

  overloaded(): string | undefined {
    return undefined;
  }

  restore(): void {
    for (const vm of [...this.reserved.keys()]) {
      try {
        this.release(vm);
      } catch {
        // Keep undoing the rest.
      }
    }
  }

  protected proc(vm: string): LiveProcess {
    const p = this.procs.get(vm);
    if (!p) throw new Error(`live: no process for ${vm}`);
    return p;
  }

  protected abstract apply(p: LiveProcess, r: Reservation): void;
  protected abstract unapply(p: LiveProcess): void;
}

const ns = (s: number) => String(Math.round(s * 1e9));

/**
 * SCHED_DEADLINE on one thread. The kernel frees a deadline task's bandwidth only at its 0-lag
 * time, up to a period after the task exits or leaves the class, so a reservation made just
 * after another one ended can be refused (EBUSY) for that moment: it is tried again for up to
 * half a second before the kernel's refusal stands.
 */
export function setDeadline(tid: number, r: Reservation): void {
  const args = ["--deadline", "--sched-runtime", ns(r.slice), "--sched-deadline", ns(r.period), "--sched-period", ns(r.period), "-p", "0", String(tid)];
  const until = Date.now() + 500;
  for (;;) {
    try {
      execFileSync("chrt", args, { stdio: ["ignore", "ignore", "pipe"] });
      return;
    } catch (err) {
      if (!/Device or resource busy/.test(String((err as { stderr?: Buffer }).stderr ?? "")) || Date.now() > until) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** Linux's SCHED_DEADLINE policy number, as `policy` reads it. */
const SCHED_DEADLINE = 6;

/**
 * A thread leaves SCHED_DEADLINE for SCHED_OTHER. A kernel seen here (6.18) never gives back
 * the bandwidth of a task that leaves the class while it sleeps (a paused QEMU's vCPU thread,
 * a blocked process): it stays booked until reboot, and later reservations are refused
 * (EBUSY). A change of parameters is accounted at once in any state, so the reservation is
 * first shrunk to almost nothing (1,024 ns every 4 s, or the longest period the kernel allows),
 * and what such a kernel keeps is that.
 * A thread that is not under SCHED_DEADLINE (any more) is only set to SCHED_OTHER.
 */
export function endDeadline(tid: number): void {
  const now = policy(tid);
  if (now === undefined) return; // Gone: its bandwidth went with it.
  if (now === SCHED_DEADLINE) {
    // The longest period the kernel allows, up to 4 s.
    let max = 4_000_000;
    try {
      max = Math.min(max, Number(readFileSync("/proc/sys/kernel/sched_deadline_period_max_us", "utf8")) || max);
    } catch {
      // Older kernels have no such limit.
    }
    const period = String(max * 1000);
    try {
      execFileSync("chrt", ["--deadline", "--sched-runtime", "1024", "--sched-deadline", period, "--sched-period", period, "-p", "0", String(tid)], { stdio: "ignore" });
    } catch {
      // Gone meanwhile, or refused: the switch below still ends the class.
    }
  }
  execFileSync("chrt", ["--other", "-p", "0", String(tid)], { stdio: "ignore" });
}

export class DeadlineBackend extends Base {
  readonly name = "deadline";

  /** Our admission first; then the kernel's own, whose refusal is reported as the reason. */
  override reserve(vm: string, r: Reservation): Admission {
    try {
      return super.reserve(vm, r);
    } catch (err) {
      try {
        this.unapply(this.proc(vm));
      } catch {
        // Nothing was applied.
      }
      const msg = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split("\n").pop();
      return { admitted: false, reason: `kernel refused SCHED_DEADLINE: ${msg}` };
    }
  }

  protected apply(p: LiveProcess, r: Reservation): void {
    for (const tid of p.threads()) setDeadline(tid, r);
  }

  protected unapply(p: LiveProcess): void {
    for (const tid of p.threads()) endDeadline(tid);
  }
}

/**
 * One cgroup per reservation, directly under the root (on v1 a group competes as one entity
 * beside every other task, so nesting all reservations under one group would make them share
 * one task's worth of CPU). The quota (slice per period) is a ceiling, not a guarantee: CFS
 * bandwidth control only throttles. Each group's weight is proportional to its share, so
 * reserved VMs divide a contended CPU in proportion to their reservations and ahead of
 * ordinary tasks; the kernel admits nothing.
 */
export class CgroupBackend extends Base {
  readonly name = "cgroup";
  private readonly root = cgroupRoot()!;
  private readonly groups = new Map<string, string>();

  /** The VM's group: the run's pid and the VM's name, made safe for a path. */
  private group(vm: string): string {
    let g = this.groups.get(vm);
    if (g) return g;
    const base = `${this.root.path}/virtuoso-${process.pid}-${vm.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
    const taken = new Set(this.groups.values());
    g = base;
    for (let k = 2; taken.has(g); k++) g = `${base}-${k}`;
    this.groups.set(vm, g);
    return g;
  }

  protected apply(p: LiveProcess, r: Reservation): void {
    const g = this.group(p.name);
    mkdirSync(g, { recursive: true });
    const us = (s: number) => String(Math.round(s * 1e6));
    // Ten ordinary tasks' weight per CPU reserved (v1 1024 each, v2 100 each), in the kernel's range.
    const share = r.slice / r.period;
    if (this.root.version === 2) {
      writeFileSync(`${g}/cpu.max`, `${us(r.slice)} ${us(r.period)}`);
      writeFileSync(`${g}/cpu.weight`, String(Math.min(10000, Math.max(1, Math.round(1000 * share)))));
    } else {
      writeFileSync(`${g}/cpu.cfs_period_us`, us(r.period));
      writeFileSync(`${g}/cpu.cfs_quota_us`, us(r.slice));
      writeFileSync(`${g}/cpu.shares`, String(Math.min(262144, Math.max(2, Math.round(10240 * share)))));
    }
    writeFileSync(`${g}/cgroup.procs`, String(p.pid));
  }

  protected unapply(p: LiveProcess): void {
    const g = this.groups.get(p.name);
    if (!g || !existsSync(g)) return;
    for (const pid of readFileSync(`${g}/cgroup.procs`, "utf8").split("\n").filter(Boolean)) {
      try {
        writeFileSync(`${this.root.path}/cgroup.procs`, pid);
      } catch {
        // The process has exited.
      }
    }
    rmdirSync(g);
  }

  /** The kernel's throttling record for the VM's group: periods, throttled periods and time. */
  override counters(vm: string): Record<string, number> {
    const g = this.groups.get(vm);
    if (!g || !this.reserved.has(vm)) return {};
    const stat = Object.fromEntries(readFileSync(`${g}/cpu.stat`, "utf8").split("\n").filter(Boolean).map((l) => l.split(" ")).map(([k, v]) => [k, Number(v)]));
    const throttled = this.root.version === 2 ? stat.throttled_usec / 1e6 : stat.throttled_time / 1e9;
    return { periods: stat.nr_periods, throttled_periods: stat.nr_throttled, throttled_s: throttled };
  }
}

/** Real-time priorities: the dispatcher above every worker it dispatches. */
const WORKER_PRIORITY = 10;
const DISPATCHER_PRIORITY = 20;

/** The dispatcher's p99 lateness must stay within this fraction of the finest slice it keeps. */
export const LATENESS_TOLERANCE = 0.1;

/** Where the `signals` backend runs things: workers on the first allowed CPU, the dispatcher
 * on the last, so its polling for a deadline never takes CPU from a worker. */
export function signalsCpus(): { workers: number; dispatcher: number } {
  const cpus = allowedCpus();
  return { workers: cpus[0], dispatcher: cpus[cpus.length - 1] };
}

/**
 * VSched's own mechanism: the VSched policy object, on the wall clock, runs and stops the
 * reserved processes with SIGCONT/SIGSTOP. Workers share one CPU and reserved ones run
 * SCHED_FIFO while dispatched, as VSched's did, so a slice is a slice. The dispatcher (this
 * process's event-loop thread) must outrank them and the machine's other work: it runs
 * SCHED_FIFO above them, on another CPU, for the run. It times its own timers; when they ran
 * later than the tolerance, the run is reported as made on a machine too loaded to trust.
 */
export class SignalsBackend extends Base implements CpuDispatch {
  readonly name = "signals";
  readonly vsched: VSched;
  /** How late each of the dispatcher's own timers ran, seconds. */
  readonly lateness: number[] = [];
  /** VSched's own bookkeeping of the time each process held the CPU: the kernel's counters
   * for a running task lag by up to a scheduler tick, which would make every slice overrun. */
  private readonly booked = new BookedTime(() => this.clock.now);
  private readonly before: ThreadPlacement;

  constructor(procs: Map<string, LiveProcess>, uMax: number, private readonly clock: Clock, tick: number, budget: BudgetRule = "run-on") {
    super(procs, uMax);
    // The event loop's thread only: V8's and libuv's helper threads at the same real-time
    // priority on one CPU can spin-wait on each other for good (seen: a livelock).
    this.before = placement(process.pid);
    try {
      raise(process.pid, signalsCpus().dispatcher, DISPATCHER_PRIORITY);
    } catch (err) {
      this.putBack();
      throw err;
    }
    this.vsched = new VSched(this.timed(clock), this, { cores: 1, tick, uMax, overheadReserve: 0, admission: true, budget });
  }

  /** The clock as VSched sees it, recording how late each of its timers fires. */
  private timed(clock: Clock): Clock {
    const lateness = this.lateness;
    return {
      get now() {
        return clock.now;
      },
      at: (time, fn) =>
        clock.at(time, () => {
          lateness.push(Math.max(0, clock.now - time));
          fn();
        }),
      after: (delay, fn) => clock.after(delay, fn),
      every: (interval, fn, start) => clock.every(interval, fn, start),
      cancel: (id) => clock.cancel(id),
    };
  }

  override reserve(vm: string, r: Reservation): Admission {
    const verdict = this.vsched.reserve(vm, r);
    if (verdict.admitted) {
      execFileSync("chrt", ["--fifo", "-p", String(WORKER_PRIORITY), String(this.proc(vm).pid)], { stdio: "ignore" });
      this.reserved.set(vm, r);
    }
    return verdict;
  }

  override release(vm: string): void {
    if (!this.reserved.delete(vm)) return;
    this.vsched.release(vm);
    this.unapply(this.proc(vm));
  }

  override restore(): void {
    try {
      super.restore();
    } finally {
      this.putBack();
    }
  }

  private putBack(): void {
    try {
      putBack(this.before);
    } catch {
      // Nothing more can be done; the process keeps the class it has.
    }
  }

  /** The time VSched booked the VM on the CPU: to compare with what the kernel says it ran. */
  override counters(vm: string): Record<string, number> {
    return { booked_s: this.cpuTime(vm) };
  }

  override overloaded(): string | undefined {
    const slices = [...this.reserved.values()].map((r) => r.slice);
    if (!slices.length || !this.lateness.length) return undefined;
    const sorted = [...this.lateness].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))];
    const tolerance = LATENESS_TOLERANCE * Math.min(...slices);
    if (p99 <= tolerance) return undefined;
    return `machine too loaded: the signals dispatcher's timers ran ${(p99 * 1000).toFixed(2)} ms late (p99 of ${sorted.length}), beyond its tolerance of ${(tolerance * 1000).toFixed(2)} ms (${LATENESS_TOLERANCE} of the finest slice)`;
  }

  protected apply(): void {}

  protected unapply(p: LiveProcess): void {
    try {
      execFileSync("chrt", ["--other", "-p", "0", String(p.pid)], { stdio: "ignore" });
    } catch {
      // Exited.
    }
    p.signal("SIGCONT");
  }

  // CpuDispatch for the VSched object.
  run(vm: string): void {
    this.booked.start(vm);
    this.procs.get(vm)?.signal("SIGCONT");
  }
  stop(vm: string): void {
    this.procs.get(vm)?.signal("SIGSTOP");
    this.booked.stop(vm);
  }
  runnable(): boolean {
    return true;
  }
  cpuTime(vm: string): number {
    return this.booked.total(vm);
  }
  onRunnable(): void {}
}
