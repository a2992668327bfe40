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
import type { QemuVm } from "./qemu.js";

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
    const record = (r: LiveMigrationReport, share = NaN) => {
      const m = { ...r, from, to, share_1s_after: share };
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
    const r = await migrateVm(src, {
      ...this.o,
      journal: this.o.journal,
      index,
      downtimeLimit: this.o.downtimeLimit,
      now: this.o.now,
      started: (d) => this.started.push(d),
      beforeStart: early
        ? (dest) => {
            const v = b.follow(vm, dest);
            if (v && !v.admitted) throw new Error(`the reservation could not be re-applied at the destination: ${v.reason}`);
          }
        : undefined,
      afterSwitch: (dest) => {
        if (!early) b.follow(vm, dest);
        else b.check(vm);
        this.o.onSwitch?.(vm, src, dest);
      },
      onResume: (dest) => void (measured = shareOver(dest, 1)),
    });
    if (r.report.status === "failed") {
      // The VM runs where it ran: the reservation goes back to the source's threads.
      if (this.o.vms.get(vm) !== r.vm) b.follow(vm, r.vm);
      record(r.report);
      return;
    }
    this.hosts.set(vm, to);
    const m = record(r.report);
    this.measures.push(measured.then((s) => void (m.share_1s_after = s)));
    onDone?.({ vm, from, to, total_s: r.report.total_s, downtime_s: r.report.downtime_s, bytes: r.report.bytes });
  }

  private failed(vm: string, reason: string): LiveMigrationReport {
    const t = this.o.now();
    return { vm, status: "failed", reason, start: t, end: t, resumed: NaN, total_s: NaN, downtime_s: NaN, setup_s: NaN, bytes: NaN, total_bytes: NaN, duplicate_bytes: NaN, normal_bytes: NaN, dirty_syncs: NaN, rounds: NaN, mbps: NaN, outage_s: NaN, heartbeat_s: NaN };
  }
}

/** A VM's vCPU thread share over the next `seconds` of wall time (thread CPU time). */
async function shareOver(vm: QemuVm, seconds: number): Promise<number> {
  const t0 = performance.now();
  const c0 = vm.vcpuSeconds();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return (vm.vcpuSeconds() - c0) / ((performance.now() - t0) / 1000);
}
