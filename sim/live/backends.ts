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
import type { LiveProcess } from "./procs.js";

export type BackendName = "signals" | "deadline" | "cgroup";

export interface Backend extends CpuControl {
  readonly name: BackendName;
  restore(): void;
}

/** What the machine offers; a missing piece is a reason, not a crash. */
export function probe(name: BackendName): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (to change scheduling classes, cgroups and other processes)";
  if (name === "deadline" && !which("chrt")) return "chrt (util-linux) is not installed";
  if (name === "signals" && (!which("chrt") || !which("taskset"))) return "chrt and taskset (util-linux) are needed";
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

abstract class Base implements Backend {
  abstract readonly name: BackendName;
  protected reserved = new Map<string, Reservation>();

  constructor(protected readonly procs: Map<string, LiveProcess>, protected readonly uMax: number) {}

  reserve(vm: string, r: Reservation): Admission {
    const others = [...this.reserved].filter(([v]) => v !== vm).reduce((u, [, x]) => u + x.slice / x.period, 0);
    // Tick 1 us: the kernel's own resolution, not a 2.6 timer tick.
    const verdict = admit(others, r, { uMax: this.uMax, overheadReserve: 0, tick: 1e-6 });
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
    for (const tid of p.threads()) execFileSync("chrt", ["--deadline", "--sched-runtime", ns(r.slice), "--sched-deadline", ns(r.period), "--sched-period", ns(r.period), "-p", "0", String(tid)], { stdio: ["ignore", "ignore", "pipe"] });
  }

  protected unapply(p: LiveProcess): void {
    for (const tid of p.threads()) execFileSync("chrt", ["--other", "-p", "0", String(tid)], { stdio: "ignore" });
  }
}

export class CgroupBackend extends Base {
  readonly name = "cgroup";
  private readonly root = cgroupRoot()!;
  private readonly dir = `${this.root.path}/virtuoso-${process.pid}`;

  protected apply(p: LiveProcess, r: Reservation): void {
    const g = `${this.dir}/${p.name}`;
    mkdirSync(g, { recursive: true });
    const us = (s: number) => String(Math.round(s * 1e6));
    if (this.root.version === 2) writeFileSync(`${g}/cpu.max`, `${us(r.slice)} ${us(r.period)}`);
    else {
      writeFileSync(`${g}/cpu.cfs_period_us`, us(r.period));
      writeFileSync(`${g}/cpu.cfs_quota_us`, us(r.slice));
    }
    writeFileSync(`${g}/cgroup.procs`, String(p.pid));
  }

  protected unapply(p: LiveProcess): void {
    const g = `${this.dir}/${p.name}`;
    if (!existsSync(g)) return;
    for (const pid of readFileSync(`${g}/cgroup.procs`, "utf8").split("\n").filter(Boolean)) {
      try {
        writeFileSync(`${this.root.path}/cgroup.procs`, pid);
      } catch {
        // The process has exited.
      }
    }
    rmdirSync(g);
  }

  override restore(): void {
    super.restore();
    if (existsSync(this.dir)) rmdirSync(this.dir);
  }
}

/**
 * VSched's own mechanism: the VSched policy object, on the wall clock, runs and stops the
 * reserved processes with SIGCONT/SIGSTOP. Workers share CPU 0 and reserved ones run SCHED_FIFO
 * while dispatched, as VSched's did, so a slice is a slice.
 */
export class SignalsBackend extends Base implements CpuDispatch {
  readonly name = "signals";
  readonly vsched: VSched;
  /** VSched's own bookkeeping of the time each process held the CPU: the kernel's counters
   * for a running task lag by up to a scheduler tick, which would make every slice overrun. */
  private held = new Map<string, { total: number; since: number }>();

  constructor(procs: Map<string, LiveProcess>, uMax: number, private readonly clock: Clock, tick: number, budget: BudgetRule = "run-on") {
    super(procs, uMax);
    this.vsched = new VSched(clock, this, { cores: 1, tick, uMax, overheadReserve: 0, admission: true, budget });
  }

  override reserve(vm: string, r: Reservation): Admission {
    const verdict = this.vsched.reserve(vm, r);
    if (verdict.admitted) {
      execFileSync("chrt", ["--fifo", "-p", "10", String(this.proc(vm).pid)], { stdio: "ignore" });
      this.reserved.set(vm, r);
    }
    return verdict;
  }

  override release(vm: string): void {
    if (!this.reserved.delete(vm)) return;
    this.vsched.release(vm);
    this.unapply(this.proc(vm));
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
    const h = this.holding(vm);
    if (Number.isNaN(h.since)) h.since = this.clock.now;
    this.procs.get(vm)?.signal("SIGCONT");
  }
  stop(vm: string): void {
    this.procs.get(vm)?.signal("SIGSTOP");
    const h = this.holding(vm);
    if (!Number.isNaN(h.since)) h.total += this.clock.now - h.since;
    h.since = NaN;
  }
  runnable(): boolean {
    return true;
  }
  cpuTime(vm: string): number {
    const h = this.holding(vm);
    return h.total + (Number.isNaN(h.since) ? 0 : this.clock.now - h.since);
  }
  private holding(vm: string): { total: number; since: number } {
    let h = this.held.get(vm);
    if (!h) this.held.set(vm, (h = { total: 0, since: NaN }));
    return h;
  }
  onRunnable(): void {}
}
