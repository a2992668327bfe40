/**
 * One QEMU virtual machine of a live run: started with a pidfile and a QMP socket in the
 * run's folder, named `NAME` with named threads, dying with its parent (setpriv
 * --pdeathsig), its serial console read for the guest's progress lines. The vCPU threads
 * come from QMP `query-cpus-fast`: those are what a CPU reservation applies to.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { which } from "../backends.js";
import { cachedGuest, guestDir, type Guest } from "./guest.js";
import { Qmp } from "./qmp.js";
import { threadCpuSeconds } from "./threads.js";
import { GuestClock } from "./guestclock.js";

/** A message the guest's rank received: the sending rank, bytes, and send and arrival times in guest seconds (senders' and own clocks). */
export interface GuestTransfer {
  src: number;
  bytes: number;
  start: number;
  end: number;
}

/** At most this many messages wait to be taken: a reader that stops must not grow the host without bound. */
const MAX_TRANSFERS = 100_000;

export type Accel = "kvm" | "tcg";

/** KVM only where a stock KVM module is loaded (a PVM /dev/kvm does not boot stock kernels). */
/**
 * The guest kernel's command line: its work (`virtuoso.work`) and parameters (`virtuoso.K=V`).
 * - no_timer_check: a slow (TCG, busy) host can fail the kernel's IO-APIC timer check, which panics.
 * - pti=on under TCG: QEMU 7.2's TCG let pages the guest kernel wrote during a live migration
 *   reach the destination stale (it then panicked on a corrupted hrtimer or virtio ring, after
 *   about nine in ten migrations with five or more dirty-bitmap syncs). With page-table
 *   isolation every kernel entry and exit reloads CR3, which flushes TCG's TLB; 11 of 11 such
 *   migrations then went through (results/migration-qemu/README.md). Our reading: writes
 *   through TLB entries made before a bitmap sync were not marked dirty again.
 */
export function guestCommandLine(accel: Accel, work: string, params: Record<string, string | number> = {}): string {
  return [`console=ttyS0 quiet panic=-1 no_timer_check${accel === "tcg" ? " pti=on" : ""} virtuoso.work=${work}`, ...Object.entries(params).map(([k, v]) => `virtuoso.${k}=${v}`)].join(" ");
}

export function chooseAccel(): Accel {
  return existsSync("/sys/module/kvm_intel") || existsSync("/sys/module/kvm_amd") ? "kvm" : "tcg";
}

export const QEMU = ["/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64"].find(existsSync);

/** Why QEMU VMs cannot run here, if they cannot. */
export function probeQemu(): string | undefined {
  if (!QEMU) return "qemu-system-x86_64 is not installed (apt-get install --no-install-recommends qemu-system-x86)";
  if (!which("setpriv")) return "setpriv (util-linux) is needed, so VMs die with the run";
  if (!cachedGuest() && (!which("apt-get") || !which("dpkg-deb") || !which("gcc"))) return `no guest in ${guestDir()} and no apt-get/dpkg-deb/gcc to build one (sim/live/vm/guest/build.sh; gcc and libc6-dev build its BSP rank program)`;
  return undefined;
}

export interface VmOptions {
  /** The VM's name in the scenario. */
  vm: string;
  /** QEMU's -name: unique on this machine (it marks the process for cleanup). */
  name: string;
  dir: string;
  guest: Guest;
  accel: Accel;
  memoryMb: number;
  vcpus: number;
  /** What the guest's /init runs: "spin" (CPU-bound), "idle" or "bsp" (a BSP rank). */
  work: string;
  /** A migration destination: QEMU waits for the guest on this URI (`-incoming`). */
  incoming?: string;
  /** Base name of the pidfile and QMP socket (default `vm`; a destination needs its own). */
  files?: string;
  /** QEMU arguments of the VM's NIC (sim/live/vm/net.ts); none: no NIC. */
  nic?: string[];
  /** More `virtuoso.*` kernel parameters for /init (its address, its BSP rank). */
  params?: Record<string, string>;
  /** QEMU's x509 folder (ca-cert.pem, server-*.pem, client-*.pem): migration streams to and
   * from other hosts then use TLS, each end verifying the other's certificate against the CA. */
  migrationTls?: string;
}

/** The ids of the TLS credentials a VM with `migrationTls` has, as the sending and the receiving end. */
export const TLS_CLIENT = "vtmigc", TLS_SERVER = "vtmigs";

export interface PingReport {
  target: string;
  /** Echo replies in the guest's last second. */
  replies: number;
  /** The longest time between consecutive replies, of which the later came in that second. */
  maxgap_s: number;
  at: number;
}

export class QemuVm {
  readonly child: ChildProcess;
  readonly pidfile: string;
  readonly qmpPath: string;
  qmp?: Qmp;
  vcpus: number[] = [];
  /** Serial console lines, as the guest printed them. */
  readonly console: string[] = [];
  /** Guest-reported progress (spin lines). */
  progress = 0;
  /** Wall seconds (performance.now) at which each spin or step line arrived: the guest's heartbeat. */
  readonly beats: number[] = [];
  /** Supersteps the guest's BSP rank reports done. */
  supersteps = 0;
  /** The guest's clock against this host's (from its rank's xfer lines). */
  readonly clock = new GuestClock();
  /** Whole messages the guest's rank received (with Wren watching), in the guest's clock; taken by `takeTransfers`. */
  private transfers: GuestTransfer[] = [];
  /** The guest pinger's once-a-second reports (guest/ping.c), `at` when the line arrived (performance.now, s). */
  readonly pings: PingReport[] = [];
  private exited?: string;

  constructor(readonly o: VmOptions) {
    this.pidfile = join(o.dir, `${o.files ?? o.vm}.pid`);
    this.qmpPath = join(o.dir, `${o.files ?? o.vm}.qmp`);
    const args = [
      "-name", `${o.name},debug-threads=on`,
      "-accel", o.accel,
      "-m", String(o.memoryMb),
      "-smp", String(o.vcpus),
      "-nodefaults", "-display", "none", "-no-reboot",
      "-serial", "stdio",
      "-kernel", o.guest.kernel,
      "-initrd", o.guest.initrd,
      "-append", guestCommandLine(o.accel, o.work, o.params),
      ...(o.nic ?? []),
      ...(o.migrationTls ? ["-object", `tls-creds-x509,id=${TLS_CLIENT},dir=${o.migrationTls.replaceAll(",", ",,")},endpoint=client,verify-peer=on`, "-object", `tls-creds-x509,id=${TLS_SERVER},dir=${o.migrationTls.replaceAll(",", ",,")},endpoint=server,verify-peer=on`] : []),
      "-qmp", `unix:${this.qmpPath},server=on,wait=off`,
      "-pidfile", this.pidfile,
      ...(o.incoming ? ["-incoming", o.incoming] : []),
    ];
    this.child = spawn("setpriv", ["--pdeathsig", "KILL", "--", QEMU!, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let buf = "";
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, "");
        buf = buf.slice(nl + 1);
        // One line per message: kept apart from the console's lines.
        const x = line.match(/virtuoso-guest: xfer (\d+) (\d+) (\d+) (\d+) (\d+)$/);
        if (x) {
          this.clock.sample(Number(x[5]) / 1e6, (performance.timeOrigin + performance.now()) / 1000);
          this.transfers.push({ src: Number(x[1]), bytes: Number(x[2]), start: Number(x[3]) / 1e6, end: Number(x[4]) / 1e6 });
          if (this.transfers.length > MAX_TRANSFERS) this.transfers.splice(0, this.transfers.length - MAX_TRANSFERS);
          continue;
        }
        if (this.console.length < 10_000) this.console.push(line);
        const m = line.match(/virtuoso-guest: spin (\d+)/);
        if (m) {
          this.progress = Number(m[1]);
          if (this.beats.length < 1e6) this.beats.push(performance.now() / 1000);
        }
        const k = line.match(/virtuoso-guest: step (\d+)/);
        if (k) {
          this.supersteps = Number(k[1]);
          if (this.beats.length < 1e6) this.beats.push(performance.now() / 1000);
        }
        const g = line.match(/virtuoso-guest: ping (\S+) replies (\d+) maxgap (\d+)/);
        if (g && this.pings.length < 1e5) this.pings.push({ target: g[1], replies: Number(g[2]), maxgap_s: Number(g[3]) / 1e6, at: performance.now() / 1000 });
      }
    });
    let err = "";
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (err = (err + d).slice(-2000)));
    this.child.once("exit", (code, sig) => (this.exited = `qemu ${o.vm} exited (${sig ?? code}): ${err.trim()}`));
  }

  /** The messages received since the last call (times in the guest's clock: see `clock`). */
  takeTransfers(): GuestTransfer[] {
    const out = this.transfers;
    this.transfers = [];
    return out;
  }

  /** Why QEMU exited, once it has. */
  get gone(): string | undefined {
    return this.exited;
  }

  /** Types a line on the guest's serial console (its /init and programs read it as stdin). */
  type(line: string): void {
    this.child.stdin!.write(line + "\n");
  }

  /** Waits for a console line matching `re`, failing if QEMU exits or `timeout` seconds pass. */
  async waitFor(re: RegExp, timeout: number): Promise<void> {
    const end = Date.now() + timeout * 1000;
    while (!this.console.some((l) => re.test(l))) {
      if (this.exited) throw new Error(this.exited);
      if (Date.now() > end) throw new Error(`${this.o.vm}: no console line ${re} within ${timeout} s; console: ${this.console.slice(-3).join(" | ")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** QEMU's process id (setpriv execs it, so it is the child's). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for QMP, reads the vCPU threads, then waits for /init's "ready" line. */
  async boot(timeout: number): Promise<void> {
    const end = Date.now() + timeout * 1000;
    await this.attach(timeout);
    while (!this.console.some((l) => l.includes("virtuoso-guest: ready"))) {
      if (this.exited) throw new Error(this.exited);
      if (Date.now() > end) throw new Error(`${this.o.vm}: the guest did not reach /init within ${timeout} s; console: ${this.console.slice(-3).join(" | ")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Opens QMP and reads the vCPU threads, without waiting for the guest (a migration
   * destination has none yet: it arrives over `-incoming`).
   */
  async attach(timeout: number): Promise<void> {
    this.qmp = await Qmp.open(this.qmpPath, timeout);
    const cpus = await this.qmp.execute<{ "thread-id": number; "cpu-index": number }[]>("query-cpus-fast");
    this.vcpus = cpus.sort((a, b) => a["cpu-index"] - b["cpu-index"]).map((c) => c["thread-id"]);
    if (Number(readFileSync(this.pidfile, "utf8")) !== this.pid) throw new Error(`${this.o.vm}: pidfile does not name the QEMU process`);
  }

  private lastCpu = 0;
  /** CPU seconds of the vCPU threads (the guest's own computation); once QEMU has exited, the
   * last reading (a migration reads its source's after the switch-over, before it quits). */
  vcpuSeconds(): number {
    const s = this.vcpus.reduce((sum, t) => sum + threadCpuSeconds(this.pid, t), 0);
    if (Number.isFinite(s)) this.lastCpu = s;
    return this.lastCpu;
  }

  /** Asks QMP for the VM's run state ("running", "paused", ...). */
  async status(): Promise<string> {
    return (await this.qmp!.execute<{ status: string }>("query-status")).status;
  }

  stop(): Promise<unknown> {
    return this.qmp!.execute("stop");
  }

  cont(): Promise<unknown> {
    return this.qmp!.execute("cont");
  }

  /** Ends the VM: QMP quit, then SIGKILL if it lingers. */
  async quit(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once("exit", r));
    try {
      await Promise.race([this.qmp?.execute("quit"), new Promise((r) => setTimeout(r, 1000))]);
    } catch {
      // The connection closes as QEMU exits.
    }
    this.qmp?.close();
    const t = setTimeout(() => this.child.kill("SIGKILL"), 2000);
    await gone;
    clearTimeout(t);
  }

  kill(): void {
    this.qmp?.close();
    if (!this.exited) this.child.kill("SIGKILL");
  }
}
