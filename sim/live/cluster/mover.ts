/**
 * Placement.migrate across a cluster's hosts: the destination's agent starts a QEMU waiting for
 * the VM (its rank's same job, `-incoming defer`, TLS), the source's agent sends the VM there
 * and reports QEMU's figures, the destination's agent checks the guest runs there (new
 * superstep lines), then the source's paused QEMU goes, every agent learns where the VM is,
 * and the overlay rules follow it. A failed migration (or a guest that does not run at the
 * destination: the source resumes it) leaves the VM where it was and is logged as failed; the
 * run goes on.
 */
import type { Clock, MigrationNotice } from "../../ports/index.js";
import type { Scenario } from "../../scenario/index.js";
import type { AgentClient } from "../agent/client.js";
import type { Args } from "../agent/protocol.js";
import type { LiveMigrationReport } from "../vm/index.js";
import type { RemoteNet } from "./controller.js";
import type { RemoteReservations } from "./reservations.js";

export interface MigrationRow {
  vm: string;
  from: string;
  to: string;
  /** The controller's clock: from asking the destination to when every agent knew the move. */
  start: number;
  end: number;
  status: "completed" | "failed" | "skipped";
  /** QEMU's total-time, downtime and setup-time (s), bytes sent and dirty-bitmap syncs (query-migrate). */
  total_s: number | null;
  downtime_s: number | null;
  setup_s: number | null;
  bytes: number | null;
  rounds: number | null;
  reason: string;
}

const num = (x: number | null | undefined) => (typeof x === "number" && Number.isFinite(x) ? x : null);

export class Mover {
  readonly log: MigrationRow[] = [];
  private readonly moving = new Map<string, Promise<void>>();

  constructor(
    private readonly clock: Clock,
    private readonly agents: Map<string, AgentClient>,
    private readonly where: Map<string, string>,
    private readonly startArgs: Map<string, Args<"vm.start">>,
    private readonly net: RemoteNet,
    private readonly s: Scenario,
    private readonly say: (line: string) => void,
    /** VSched reservations: a reserved VM moves only if its destination admits it first. */
    private readonly cpu?: RemoteReservations,
  ) {}

  migrate(vm: string, to: string, onDone?: (n: MigrationNotice) => void): Promise<void> {
    const from = this.where.get(vm)!;
    const start = this.clock.now;
    const skip = (reason: string) => {
      this.log.push({ vm, from, to, start, end: start, status: "skipped", total_s: null, downtime_s: null, setup_s: null, bytes: null, rounds: null, reason });
      this.say(`migration of ${vm} to ${to} skipped: ${reason}`);
      onDone?.(notMoved(vm, from, to, reason));
      return Promise.resolve();
    };
    if (from === to) return skip(`already on ${to}`);
    if (this.moving.has(vm)) return skip("a migration of it is under way");
    if (!this.startArgs.has(vm)) return skip("it runs no rank (nothing started it)");
    this.cpu?.moving(vm, true);
    const p = this.admitted(vm, to)
      .then((refused) => (refused === undefined ? this.move(vm, from, to, start, onDone) : void skip(`its reservation is not admitted on ${to} (${refused}); it stays on ${from} with it`)))
      .finally(() => (this.moving.delete(vm), this.cpu?.moving(vm, false)));
    this.moving.set(vm, p);
    return p;
  }

  /** Whether `vm` was migrating at some time in [from, to] (the clock's seconds), or had stopped less than a second before (a guest's clock jumps when it migrates). */
  unsettled(vm: string, from: number, to: number): boolean {
    return this.moving.has(vm) || this.log.some((r) => r.vm === vm && r.status !== "skipped" && r.start <= to && r.end + 1 >= from);
  }

  /** The VMs migrating now. */
  movingNow(): ReadonlySet<string> {
    return new Set(this.moving.keys());
  }

  /** Waits for migrations under way (the run's end reads where every VM is). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.moving.values()]);
  }

  summary(): Record<string, number | null> {
    const done = this.log.filter((r) => r.status === "completed");
    const mean = (f: (r: MigrationRow) => number | null) => (done.length ? done.reduce((a, r) => a + (f(r) ?? NaN), 0) / done.length : null);
    return { done: done.length, failed: this.log.filter((r) => r.status === "failed").length, total_s: num(mean((r) => r.total_s)), downtime_s: num(mean((r) => r.downtime_s)), bytes: done.reduce((a, r) => a + (r.bytes ?? 0), 0) };
  }

  /** Undefined if `to` admits the VM's reservation (booked there) or it holds none; else why not. */
  private async admitted(vm: string, to: string): Promise<string | undefined> {
    const v = await this.cpu?.admitAt(vm, to);
    return v && !v.admitted ? v.reason : undefined;
  }

  private async move(vm: string, from: string, to: string, start: number, onDone?: (n: MigrationNotice) => void): Promise<void> {
    const dest = this.agents.get(to)!, src = this.agents.get(from)!;
    const m = this.s.platform.migration, lm = this.s.live!.migration;
    this.say(`migration of ${vm}: ${from} -> ${to} at ${start.toFixed(2)} s`);
    const { port } = (await dest.call("vm.start", { ...this.startArgs.get(vm)!, incoming: { from } })) as { port: number };
    const r = (await src.call("vm.migrate", { vm, to, port, downtimeLimit: m.downtimeBudget, maxRounds: m.maxRounds, maxBandwidth: lm.maxBandwidth, autoConverge: lm.autoConverge, timeout: 120 })) as LiveMigrationReport;
    if (r.status !== "completed") {
      await dest.call("vm.drop", { vm });
      this.cpu?.dropped(vm);
      this.log.push({ vm, from, to, start, end: this.clock.now, status: "failed", total_s: null, downtime_s: null, setup_s: null, bytes: null, rounds: null, reason: r.reason ?? "" });
      this.say(`migration of ${vm} to ${to} failed: ${r.reason}`);
      onDone?.(notMoved(vm, from, to, r.reason ?? "failed"));
      return;
    }
    // The destination first: it checks the guest runs there; if not, the paused source runs it on.
    try {
      await dest.call("vm.moved", { vm, host: to });
    } catch (e) {
      await Promise.all([dest.call("vm.drop", { vm }), src.call("vm.resume", { vm })]);
      this.cpu?.dropped(vm);
      // QEMU's figures of the copy it completed, beside why the move did not stand.
      this.log.push({ vm, from, to, start, end: this.clock.now, status: "failed", total_s: num(r.total_s), downtime_s: num(r.downtime_s), setup_s: num(r.setup_s), bytes: num(r.bytes), rounds: num(r.rounds), reason: (e as Error).message });
      this.say(`migration of ${vm} to ${to} failed: ${(e as Error).message}`);
      onDone?.({ ...notMoved(vm, from, to, (e as Error).message), total_s: r.total_s ?? NaN, downtime_s: r.downtime_s ?? NaN, bytes: r.bytes ?? NaN });
      return;
    }
    this.where.set(vm, to);
    await Promise.all([...this.agents].filter(([h]) => h !== to).map(([, a]) => a.call("vm.moved", { vm, host: to })));
    this.net.moved(vm, from, to);
    await this.cpu?.moved(vm, to);
    const row: MigrationRow = { vm, from, to, start, end: this.clock.now, status: "completed", total_s: num(r.total_s), downtime_s: num(r.downtime_s), setup_s: num(r.setup_s), bytes: num(r.bytes), rounds: num(r.rounds), reason: "" };
    this.log.push(row);
    this.say(`migration of ${vm}: ${from} -> ${to} done in ${row.total_s} s (downtime ${row.downtime_s} s, ${row.bytes} bytes)`);
    onDone?.({ vm, from, to, total_s: row.total_s ?? NaN, downtime_s: row.downtime_s ?? NaN, bytes: row.bytes ?? NaN });
  }
}

/** A migration's end that left the VM where it was (the loop waiting on it decides again). */
const notMoved = (vm: string, from: string, to: string, failed: string): MigrationNotice => ({ vm, from, to, total_s: NaN, downtime_s: NaN, bytes: NaN, failed });
