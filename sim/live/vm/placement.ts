/**
 * The Placement port live: where each VM is (a scenario host; live, all hosts are this
 * machine) and live migration as QEMU does it, between two QEMU processes. A VM's reservation
 * follows it: admitted at the destination first, then re-applied on the destination's vCPU
 * threads (before the switch-over for kernel mechanisms; at the switch-over for VSched's own
 * dispatcher, which must not stop a destination that is still receiving).
 */
import type { Admission, MigrationNotice, Placement } from "../../ports/index.js";
import type { Backend } from "../backends.js";
import type { Journal } from "../journal.js";
import { migrateVm, type LiveMigrationReport, type MigrationParams } from "./migrate.js";
import type { VmNetwork } from "./net.js";
import type { PingReport, QemuVm } from "./qemu.js";

/** A backend whose reservations can follow a VM to a new QEMU process (sim/live/vm/cpu.ts). */
export interface Following extends Backend {
  admitMove(vm: string): Admission | undefined;
  follow(vm: string, dest: QemuVm): Admission | undefined;
  /** Notes the VM as stalled if its vCPU thread does not advance soon. */
  check(vm: string): void;
}

export interface LiveMigration extends LiveMigrationReport {
  from: string;
  to: string;
  /** The destination's vCPU thread share over the first second after the guest resumed there. */
  share_1s_after: number;
  /** The longest gap between echo replies from the VM seen by a peer guest's pinger (10 ms
   * apart), from the `migrate` command until replies flow again: the outage the network shows. */
  network_outage_s: number;
  /** The peer that pinged (empty without a network). */
  pinger: string;
  /** The pinger's usual longest gap at rest: the median of its per-second longest gaps over
   * the 5 s before the migration (the resolution of network_outage_s on a busy machine). */
  network_gap_before_s: number;
  /** Supersteps/s of the VM's BSP application over the 2 s before the migration's start and
   * the 2 s after the guest resumed (filled in by the run; NaN for a VM that is no rank). */
  superstep_rate_before: number;
  superstep_rate_after: number;
}

/** How a migrating VM's network-visible outage is measured: a peer guest pings it. */
export interface OutageProbe {
  /** The peer guest's name and the VM's address, or undefined without a network. */
  pinger(vm: string): { pinger: string; target: string } | undefined;
  /** The pinger's reports so far (across its own QEMU processes). */
  reports(pinger: string): PingReport[];
}

export interface PlacementOptions extends MigrationParams {
  vms: Map<string, QemuVm>;
  /** VM -> scenario host at the start. */
  hosts: Map<string, string>;
  /** VM -> bytes of memory. */
  memory: Map<string, number>;
  backend: Following;
  journal: Journal;
  /** The run's clock, seconds. */
  now: () => number;
  /** Force the stop-and-copy after this many dirty syncs (platform.migration.maxRounds). */
  maxRounds?: number;
  /** Called at each switch-over, with the source (stopped for good) and the destination. */
  onSwitch?: (vm: string, src: QemuVm, dest: QemuVm) => void;
  /** Called when a migration fails after its destination started, with that destination. */
  onFailed?: (vm: string, dest: QemuVm, reason: string) => void;
  /** The VMs' network: a migrating VM's destination gets its own tap on the bridge. */
  net?: VmNetwork;
  probe?: OutageProbe;
}

export class LivePlacement implements Placement {
  readonly migrations: LiveMigration[] = [];
  /** Every QEMU process a migration started, so a run can end them all whatever happened. */
  readonly started: QemuVm[] = [];
  private readonly hosts: Map<string, string>;
  private readonly chain = new Map<string, Promise<void>>();
  private readonly measures: Promise<void>[] = [];
  private count = 0;

  constructor(private readonly o: PlacementOptions) {
    this.hosts = new Map(o.hosts);
  }

  where(vm: string): string {
    const h = this.hosts.get(vm);
    if (h === undefined) throw new Error(`live: no VM ${vm}`);
    return h;
  }

  memory(vm: string): number {
    return this.o.memory.get(vm) ?? 0;
  }

  /** Starts a migration (after any earlier one of the same VM); `onDone` runs only if it completes. */
  migrate(vm: string, host: string, onDone?: (n: MigrationNotice) => void): void {
    const next = (this.chain.get(vm) ?? Promise.resolve()).then(() => this.run(vm, host, ++this.count, onDone));
    this.chain.set(vm, next);
  }

  /** Resolves once every migration asked for has ended and its share been measured. */
  async settled(): Promise<void> {
    await Promise.all(this.chain.values());
    await Promise.all(this.measures);
  }

  private async run(vm: string, to: string, index: number, onDone?: (n: MigrationNotice) => void): Promise<void> {
    const from = this.where(vm);
    const src = this.o.vms.get(vm)!;
    const b = this.o.backend;
    const net = this.o.net?.ports.has(vm) ? this.o.net : undefined;
    const probe = this.o.probe?.pinger(vm);
    const startWall = performance.now() / 1000;
    let resumedWall = NaN;
    const record = (r: LiveMigrationReport, share = NaN) => {
      const m: LiveMigration = { ...r, from, to, share_1s_after: share, network_outage_s: NaN, network_gap_before_s: NaN, pinger: probe?.pinger ?? "", superstep_rate_before: NaN, superstep_rate_after: NaN };
      this.migrations.push(m);
      return m;
    };
    if (from === to) {
      record(this.failed(vm, `already on ${to}`));
      return;
    }
    const admission = b.admitMove(vm);
    if (admission && !admission.admitted) {
      record(this.failed(vm, `the reservation is not admitted at ${to}: ${admission.reason}`));
      return;
    }
    // Kernel mechanisms hold an idle thread harmlessly: the reservation is on the destination
    // before the guest arrives. VSched's dispatcher takes the destination at the switch-over.
    const early = b.name !== "signals";
    let measured: Promise<number> = Promise.resolve(NaN);
    // The destination's own tap on the bridge, same MAC and device (journaled before it exists).
    const oldTap = net?.port(vm).tap;
    let newTap: string | undefined;
    try {
      newTap = net?.addTap(vm, index);
    } catch (err) {
      record(this.failed(vm, `no tap for the destination: ${(err as Error).message}`));
      return;
    }
    const r = await migrateVm(src, {
      ...this.o,
      journal: this.o.journal,
      index,
      downtimeLimit: this.o.downtimeLimit,
      now: this.o.now,
      started: (d) => this.started.push(d),
      nic: newTap ? net!.qemuArgs(vm, newTap) : undefined,
      beforeStart: early
        ? (dest) => {
            const v = b.follow(vm, dest);
            if (v && !v.admitted) throw new Error(`the reservation could not be re-applied at the destination: ${v.reason}`);
          }
        : undefined,
      afterSwitch: (dest) => {
        if (newTap) net!.moveTo(vm, newTap);
        if (!early) b.follow(vm, dest);
        else b.check(vm);
        this.o.onSwitch?.(vm, src, dest);
      },
      onResume: (dest) => {
        resumedWall = performance.now() / 1000;
        measured = shareOver(dest, 1);
      },
    });
    // The QEMU process that no longer holds the guest has quit (or been killed): its tap goes.
    if (net && oldTap && newTap) {
      if (r.report.status === "failed") net.moveTo(vm, oldTap);
      net.dropTap(r.report.status === "failed" ? newTap : oldTap);
    }
    if (r.report.status === "failed") {
      const dest = this.started.filter((d) => d.o.vm === vm).pop();
      if (dest && dest !== r.vm) this.o.onFailed?.(vm, dest, r.report.reason ?? "");
      // The VM runs where it ran: the reservation goes back to the source's threads.
      if (this.o.vms.get(vm) !== r.vm) b.follow(vm, r.vm);
      record(r.report);
      return;
    }
    this.hosts.set(vm, to);
    const m = record(r.report);
    this.measures.push(measured.then((s) => void (m.share_1s_after = s)));
    if (probe) {
      const before = this.o.probe!.reports(probe.pinger).filter((x) => x.target === probe.target && x.at <= startWall && x.at > startWall - 5).map((x) => x.maxgap_s).sort((a, b) => a - b);
      m.network_gap_before_s = before.length ? before[Math.floor(before.length / 2)] : NaN;
      this.measures.push(networkOutage(this.o.probe!, probe.pinger, probe.target, Number.isNaN(resumedWall) ? performance.now() / 1000 : resumedWall).then((x) => void (m.network_outage_s = x)));
    }
    onDone?.({ vm, from, to, total_s: r.report.total_s, downtime_s: r.report.downtime_s, bytes: r.report.bytes });
  }

  private failed(vm: string, reason: string): LiveMigrationReport {
    const t = this.o.now();
    return { vm, status: "failed", reason, start: t, end: t, resumed: NaN, total_s: NaN, downtime_s: NaN, setup_s: NaN, bytes: NaN, total_bytes: NaN, duplicate_bytes: NaN, normal_bytes: NaN, dirty_syncs: NaN, rounds: NaN, mbps: NaN, outage_s: NaN, heartbeat_s: NaN };
  }
}

/**
 * The longest gap between the VM's echo replies at the pinger that closed after the guest
 * resumed at the destination (the gap the switch-over opened cannot close before: the guest
 * is stopped), over the pinger's reports until the first in which replies flowed for at least
 * half its second (a gap is reported whole, in the second it ends). NaN if replies did not
 * come back within 15 s.
 */
export async function networkOutage(probe: OutageProbe, pinger: string, target: string, resumed: number): Promise<number> {
  const end = performance.now() + 15_000;
  for (;;) {
    const reports = probe.reports(pinger).filter((x) => x.target === target && x.at > resumed);
    const back = reports.findIndex((x) => x.replies >= 50);
    if (back >= 0) return Math.max(...reports.slice(0, back + 1).map((x) => x.maxgap_s));
    if (performance.now() > end) return NaN;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A VM's vCPU thread share over the next `seconds` of wall time (thread CPU time). */
async function shareOver(vm: QemuVm, seconds: number): Promise<number> {
  const t0 = performance.now();
  const c0 = vm.vcpuSeconds();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return (vm.vcpuSeconds() - c0) / ((performance.now() - t0) / 1000);
}
