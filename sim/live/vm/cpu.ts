/**
 * CPU control over QEMU VMs, behind the CpuControl port. A reservation applies to a VM's vCPU
 * thread only: QEMU's other threads (main loop, I/O, RCU) stay outside it, as unreserved
 * work, so they neither multiply nor eat the VM's budget.
 * - deadline: SCHED_DEADLINE on the vCPU thread;
 * - cgroup: one group per VM holding the vCPU thread alone, with the quota on it;
 * - signals: VSched's own dispatcher, stopping and continuing the VM over QMP (SIGSTOP on
 *   QEMU would also stop the QMP loop that must answer).
 * Every class or group change is journaled first.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Admission, Clock, CpuDispatch, Reservation } from "../../ports/index.js";
import { VSched, type BudgetRule } from "../../vsched/vsched.js";
import { admitBeside, cgroupRoot, endDeadline, setDeadline, type Backend, type BackendName } from "../backends.js";
import type { Journal } from "../journal.js";
import type { QemuVm } from "./qemu.js";
import { advancing, startTime, threadIds } from "./threads.js";
import { BookedTime } from "../booked.js";

const ns = (s: number) => String(Math.round(s * 1e9));
const us = (s: number) => String(Math.round(s * 1e6));

abstract class VmControl implements Backend {
  abstract readonly name: BackendName;
  protected reserved = new Map<string, Reservation>();
  /** VMs whose vCPU thread did not advance after a change: the change parked it. */
  readonly stalled = new Set<string>();

  constructor(protected readonly vms: Map<string, QemuVm>, protected readonly uMax: number, protected readonly journal: Journal) {}

  /** VM backends report their evidence in the summary (QMP latency, stalls), not as counters. */
  counters(_vm: string): Record<string, number> {
    return {};
  }

  overloaded(): string | undefined {
    return undefined;
  }

  reserve(vm: string, r: Reservation): Admission {
    const verdict = admitBeside(this.reserved, vm, r, this.uMax);
    if (!verdict.admitted) return verdict;
    try {
      this.apply(this.vm(vm), r);
    } catch (err) {
      try {
        this.unapply(this.vm(vm));
      } catch {
        // Nothing was applied.
      }
      const msg = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split("\n").pop();
      return { admitted: false, reason: `kernel refused ${this.name}: ${msg}` };
    }
    this.reserved.set(vm, r);
    this.check(vm);
    return verdict;
  }

  release(vm: string): void {
    if (!this.reserved.delete(vm)) return;
    this.unapply(this.vm(vm));
    this.check(vm);
  }

  usage(vm: string): number {
    return this.vm(vm).vcpuSeconds();
  }

  progress(): number | undefined {
    return undefined;
  }

  restore(): void {
    for (const vm of [...this.reserved.keys()]) {
      try {
        this.release(vm);
      } catch {
        // Keep undoing the rest; the journal catches what is left.
      }
    }
  }

  /**
   * Admission at a migrating VM's destination, before it moves: live, every host is this
   * machine, so the others' reservations and this one must fit (the source's own ends at the
   * switch-over). Undefined when the VM holds no reservation.
   */
  admitMove(vm: string): Admission | undefined {
    const r = this.reserved.get(vm);
    return r && admitBeside(this.reserved, vm, r, this.uMax);
  }

  /**
   * The VM is (about to be) run by `dest`, a new QEMU process: its reservation is applied to
   * dest's vCPU threads, which start as SCHED_OTHER. The source's threads keep theirs until
   * the source exits.
   */
  follow(vm: string, dest: QemuVm): Admission | undefined {
    const r = this.reserved.get(vm);
    this.vms.set(vm, dest);
    if (!r) return undefined;
    const verdict = admitBeside(this.reserved, vm, r, this.uMax);
    if (!verdict.admitted) {
      this.reserved.delete(vm);
      return verdict;
    }
    try {
      this.apply(dest, r);
    } catch (err) {
      this.reserved.delete(vm);
      const msg = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split("\n").pop();
      return { admitted: false, reason: `kernel refused ${this.name}: ${msg}` };
    }
    return verdict;
  }

  /** After a change, the vCPU thread must still run (a spinning guest always wants to). */
  check(vm: string): void {
    const v = this.vm(vm);
    void advancing(v.pid, v.vcpus, 5).then((stuck) => {
      if (stuck.length) this.stalled.add(vm);
    });
  }

  protected vm(name: string): QemuVm {
    const v = this.vms.get(name);
    if (!v) throw new Error(`live: no VM ${name}`);
    return v;
  }

  protected abstract apply(v: QemuVm, r: Reservation): void;
  protected abstract unapply(v: QemuVm): void;
}

export class VmDeadline extends VmControl {
  readonly name = "deadline";

  protected apply(v: QemuVm, r: Reservation): void {
    for (const tid of v.vcpus) {
      this.journal.add({ kind: "sched", tid, start: startTime(tid) ?? 0 });
      setDeadline(tid, r);
    }
  }

  protected unapply(v: QemuVm): void {
    for (const tid of v.vcpus) endDeadline(tid);
  }
}

/**
 * cgroup v1: the vCPU thread id goes in the VM's group's `tasks`. cgroup v2: the QEMU process
 * goes in the VM's group and its vCPU thread in a threaded child `vcpu` that holds the quota.
 */
export class VmCgroup extends VmControl {
  readonly name = "cgroup";
  private readonly root = cgroupRoot()!;
  readonly dir = `${this.root.path}/virtuoso-vm-${process.pid}`;

  protected apply(v: QemuVm, r: Reservation): void {
    const g = `${this.dir}/${v.o.vm}`;
    if (!existsSync(this.dir)) this.journal.add({ kind: "cgroup", path: this.dir });
    mkdirSync(g, { recursive: true });
    // The quota is a ceiling; the top weight, on the run's group and the VM's, is what makes
    // it also a floor against unreserved work (which has the default weight).
    if (this.root.version === 1) {
      for (const d of [this.dir, g]) writeFileSync(`${d}/cpu.shares`, "262144");
      writeFileSync(`${g}/cpu.cfs_period_us`, us(r.period));
      writeFileSync(`${g}/cpu.cfs_quota_us`, us(r.slice));
      for (const tid of v.vcpus) writeFileSync(`${g}/tasks`, String(tid));
      return;
    }
    writeFileSync(`${this.root.path}/cgroup.subtree_control`, "+cpu");
    writeFileSync(`${this.dir}/cgroup.subtree_control`, "+cpu");
    writeFileSync(`${g}/cgroup.procs`, String(v.pid));
    const t = `${g}/vcpu`;
    mkdirSync(t, { recursive: true });
    writeFileSync(`${t}/cgroup.type`, "threaded");
    writeFileSync(`${g}/cgroup.subtree_control`, "+cpu");
    for (const d of [this.dir, g, t]) writeFileSync(`${d}/cpu.weight`, "10000");
    writeFileSync(`${t}/cpu.max`, `${us(r.slice)} ${us(r.period)}`);
    for (const tid of v.vcpus) writeFileSync(`${t}/cgroup.threads`, String(tid));
  }

  /** The group's throttling counters (cpu.stat): evidence the quota acted. */
  throttling(vm: string): { periods: number; throttled: number } | undefined {
    const g = `${this.dir}/${vm}${this.root.version === 2 ? "/vcpu" : ""}`;
    try {
      const stat = Object.fromEntries(readFileSync(`${g}/cpu.stat`, "utf8").trim().split("\n").map((l) => l.split(" ")));
      return { periods: Number(stat.nr_periods), throttled: Number(stat.nr_throttled) };
    } catch {
      return undefined;
    }
  }

  protected unapply(v: QemuVm): void {
    const g = `${this.dir}/${v.o.vm}`;
    if (!existsSync(g)) return;
    // Back to the root group (v1), or out of the VM's group whole (v2), then remove it.
    try {
      if (this.root.version === 1) for (const tid of v.vcpus) writeFileSync(`${this.root.path}/tasks`, String(tid));
      else writeFileSync(`${this.root.path}/cgroup.procs`, String(v.pid));
    } catch {
      // QEMU has exited.
    }
    if (existsSync(`${g}/vcpu`)) execFileSync("rmdir", [`${g}/vcpu`], { stdio: "ignore" });
    execFileSync("rmdir", [g], { stdio: "ignore" });
  }

  override restore(): void {
    super.restore();
    if (existsSync(this.dir)) execFileSync("rmdir", [this.dir], { stdio: "ignore" });
  }
}

/**
 * VSched's own mechanism on VMs: the VSched policy object, on the wall clock, runs and stops
 * VMs with QMP `cont` and `stop`. All vCPU threads share CPU 0 and reserved ones run
 * SCHED_FIFO, as VSched's did, so a slice is a slice; QEMU's other threads (which answer QMP)
 * are kept off CPU 0 where there is another CPU, so a running vCPU cannot delay its own stop.
 */
export class VmSignals extends VmControl implements CpuDispatch {
  readonly name = "signals";
  readonly vsched: VSched;
  /** VSched's own record of the time each VM held the CPU (see SignalsBackend). */
  private readonly booked = new BookedTime(() => this.clock.now);

  constructor(vms: Map<string, QemuVm>, uMax: number, journal: Journal, private readonly clock: Clock, tick: number, budget: BudgetRule = "run-on") {
    super(vms, uMax, journal);
    this.vsched = new VSched(clock, this, { cores: 1, tick, uMax, overheadReserve: 0, admission: true, budget });
    // The dispatcher outranks what it dispatches, and so does the QEMU thread that answers
    // QMP: a late stop is an overrun slice.
    // Above any ordinary real-time work, too (priorities up to 40 are left to others).
    // QMP is read by QEMU's monitor I/O thread and run by its main loop: every non-vCPU thread.
    this.raise(process.pid, 50);
    for (const v of vms.values()) for (const tid of threadIds(v.pid)) if (!v.vcpus.includes(tid)) this.raise(tid, 45);
    const cpus = Number(execFileSync("nproc", { encoding: "utf8" }).trim());
    for (const v of vms.values()) {
      for (const tid of threadIds(v.pid)) {
        const vcpu = v.vcpus.includes(tid);
        if (!vcpu && cpus < 2) continue;
        execFileSync("taskset", ["-p", "-c", vcpu ? "0" : `1-${cpus - 1}`, String(tid)], { stdio: "ignore" });
      }
    }
  }

  /** Pins and ranks a VM's threads: vCPUs on CPU 0, the rest (which answer QMP) above them elsewhere. */
  private place(v: QemuVm): void {
    const cpus = Number(execFileSync("nproc", { encoding: "utf8" }).trim());
    for (const tid of threadIds(v.pid)) {
      const vcpu = v.vcpus.includes(tid);
      if (!vcpu) this.raise(tid, 45);
      if (!vcpu && cpus < 2) continue;
      execFileSync("taskset", ["-p", "-c", vcpu ? "0" : `1-${cpus - 1}`, String(tid)], { stdio: "ignore" });
    }
  }

  /** VSched's dispatcher now stops and continues `dest` (call once the source has stopped for good). */
  override follow(vm: string, dest: QemuVm): Admission | undefined {
    const r = this.reserved.get(vm);
    this.vms.set(vm, dest);
    this.place(dest);
    if (!r) return undefined;
    for (const tid of dest.vcpus) {
      this.journal.add({ kind: "sched", tid, start: startTime(tid) ?? 0 });
      execFileSync("chrt", ["--fifo", "-p", "10", String(tid)], { stdio: "ignore" });
    }
    // VSched's own state (the VM's budget and place in its queue) carries over: same VM. The
    // destination starts running; if VSched has the VM stopped now, so must it be.
    if (!this.running.has(vm)) this.timed(dest.stop());
    return { admitted: true };
  }

  private raised: number[] = [];
  private raise(tid: number, priority: number): void {
    this.journal.add({ kind: "sched", tid, start: startTime(tid) ?? 0 });
    execFileSync("chrt", ["--fifo", "-p", String(priority), String(tid)], { stdio: "ignore" });
    this.raised.push(tid);
  }

  override restore(): void {
    super.restore();
    const all = `0-${Number(execFileSync("nproc", { encoding: "utf8" }).trim()) - 1}`;
    for (const v of this.vms.values()) for (const tid of threadIds(v.pid)) {
      try {
        execFileSync("taskset", ["-p", "-c", all, String(tid)], { stdio: "ignore" });
      } catch {
        // Exited.
      }
    }
    for (const tid of this.raised.splice(0)) {
      try {
        execFileSync("chrt", ["--other", "-p", "0", String(tid)], { stdio: "ignore" });
      } catch {
        // Exited.
      }
    }
  }

  override reserve(vm: string, r: Reservation): Admission {
    const verdict = this.vsched.reserve(vm, r);
    if (verdict.admitted) {
      for (const tid of this.vm(vm).vcpus) {
        this.journal.add({ kind: "sched", tid, start: startTime(tid) ?? 0 });
        execFileSync("chrt", ["--fifo", "-p", "10", String(tid)], { stdio: "ignore" });
      }
      this.reserved.set(vm, r);
    }
    return verdict;
  }

  override release(vm: string): void {
    if (!this.reserved.delete(vm)) return;
    this.vsched.release(vm);
    this.unapply(this.vm(vm));
  }

  protected apply(): void {}

  protected unapply(v: QemuVm): void {
    for (const tid of v.vcpus) {
      try {
        execFileSync("chrt", ["--other", "-p", "0", String(tid)], { stdio: "ignore" });
      } catch {
        // Exited.
      }
    }
    void v.cont().catch(() => undefined);
  }

  /** Seconds from each QMP stop or cont being sent to QEMU's reply. */
  readonly qmpLatency: number[] = [];
  private timed(p: Promise<unknown> | undefined): void {
    const t0 = this.clock.now;
    void p?.then(() => this.qmpLatency.length < 1e6 && this.qmpLatency.push(this.clock.now - t0)).catch(() => undefined);
  }

  // CpuDispatch for the VSched object.
  /** VMs VSched has given the CPU now. */
  private readonly running = new Set<string>();
  run(vm: string): void {
    this.booked.start(vm);
    this.running.add(vm);
    this.timed(this.vms.get(vm)?.cont());
  }
  stop(vm: string): void {
    this.timed(this.vms.get(vm)?.stop());
    this.running.delete(vm);
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
