/**
 * CpuControl's reservations across a cluster's hosts: each QEMU VM's reservation is asked of
 * the agent of the host it runs on (SCHED_DEADLINE on its vCPU threads, admitted against that
 * host's bound). A migration asks the destination first (Mover): refused there, the migration
 * does not start and the VM keeps its reservation where it is.
 */
import type { Admission, Clock, Reservation } from "../../ports/index.js";
import type { AgentClient } from "../agent/client.js";
import { admitBeside } from "../backends.js";

export interface ReservationRow {
  t: number;
  vm: string;
  host: string;
  period: number;
  slice: number;
  /** admitted / rejected at `host`; followed: applied at a migration's destination; kept: refused there, the VM stayed; lost: the destination's kernel refused it. */
  event: "admitted" | "rejected" | "followed" | "kept" | "lost";
  reason: string;
}

export class RemoteReservations {
  readonly log: ReservationRow[] = [];
  /** Reservations in force, by VM. */
  private readonly held = new Map<string, Reservation>();
  /** VMs migrating now: a reservation asked meanwhile is refused (the destination booked the one before). */
  private readonly busy = new Set<string>();
  /** Reservations asked of an agent and not yet answered (reserveNow counts them as held). */
  private readonly asked = new Map<string, Reservation>();
  /** The agent's answer to the last ask, by VM (a release waits for it). */
  private readonly answers = new Map<string, Promise<unknown>>();
  /** Reservations booked at a migration's destination, until the VM runs there or the migration fails. */
  private readonly booked = new Map<string, { to: string; r: Reservation }>();

  constructor(
    private readonly clock: Clock,
    private readonly agents: Map<string, AgentClient>,
    private readonly where: Map<string, string>,
    private readonly say: (line: string) => void,
  ) {}

  of(vm: string): Reservation | undefined {
    return this.held.get(vm);
  }

  moving(vm: string, now: boolean): void {
    if (now) this.busy.add(vm);
    else this.busy.delete(vm);
  }

  async reserve(vm: string, r: Reservation): Promise<Admission> {
    const host = this.where.get(vm)!;
    if (this.busy.has(vm)) {
      this.note(vm, host, r, "rejected", "the VM is migrating");
      return { admitted: false, reason: "the VM is migrating" };
    }
    const v = (await this.agents.get(host)!.call("vm.reserve", { vm, period: r.period, slice: r.slice })) as Admission & { held?: boolean };
    if (v.admitted) this.held.set(vm, r);
    // A kernel's refusal undid the reservation the VM held there.
    else if (v.held === false) this.held.delete(vm);
    this.note(vm, host, r, v.admitted ? "admitted" : "rejected", v.admitted ? "" : v.reason);
    return v;
  }

  /**
   * CpuControl.reserve for a policy that needs its answer at once (the rate controller): the
   * reservation is admitted here, against the bound of the host the VM runs on over what this
   * run holds and has asked there (the agent's own rule, admitBeside), then asked of that
   * host's agent. The agent counts this run's reservations only, and those booked for VMs
   * migrating to it (admitAt), as this does; an agent that still refuses (its kernel) is
   * logged, and the reservation is not held.
   */
  reserveNow(vm: string, r: Reservation, bound: number, fire: (p: Promise<unknown>) => void): Admission {
    const host = this.where.get(vm)!;
    if (this.busy.has(vm)) {
      this.note(vm, host, r, "rejected", "the VM is migrating");
      return { admitted: false, reason: "the VM is migrating" };
    }
    const v = admitBeside(this.countedOn(host), vm, r, bound);
    if (!v.admitted) {
      this.note(vm, host, r, "rejected", v.reason);
      return v;
    }
    this.asked.set(vm, r);
    const answer = this.reserve(vm, r).finally(() => this.asked.get(vm) === r && this.asked.delete(vm));
    this.answers.set(vm, answer);
    fire(answer);
    return v;
  }

  /** What `host`'s agent counts: the reservations of VMs there (held or asked), and those booked for VMs on their way to it. */
  private countedOn(host: string): Map<string, Reservation> {
    const out = new Map<string, Reservation>();
    for (const [v, r] of [...this.held, ...this.asked]) if (this.where.get(v) === host) out.set(v, r);
    for (const [v, b] of this.booked) if (b.to === host) out.set(v, b.r);
    return out;
  }

  /** The VM's reservation ends (its vCPU threads back to SCHED_OTHER on its host). */
  async release(vm: string): Promise<void> {
    // An ask still under way is answered first, so its reservation does not outlive the release.
    await this.answers.get(vm)?.catch(() => undefined);
    if (!this.held.delete(vm)) return;
    await this.agents.get(this.where.get(vm)!)!.call("vm.release", { vm });
  }

  /** Admission at a migration's destination, before it starts (booked there if admitted). */
  async admitAt(vm: string, to: string): Promise<Admission | undefined> {
    const r = this.held.get(vm);
    if (!r) return undefined;
    const v = (await this.agents.get(to)!.call("vm.reserve", { vm, period: r.period, slice: r.slice })) as Admission;
    if (!v.admitted) this.note(vm, this.where.get(vm)!, r, "kept", `not admitted on ${to}: ${v.reason}`);
    else this.booked.set(vm, { to, r });
    return v;
  }

  /** The migration failed: the destination's booking went with its waiting QEMU (vm.drop). */
  dropped(vm: string): void {
    this.booked.delete(vm);
  }

  /** The VM runs at `to` now and the source has removed its reservation: `to` applies the one it booked. */
  async moved(vm: string, to: string): Promise<void> {
    this.booked.delete(vm);
    const r = this.held.get(vm);
    if (!r) return;
    const v = (await this.agents.get(to)!.call("vm.reserve", { vm, period: r.period, slice: r.slice })) as Admission;
    if (v.admitted) return this.note(vm, to, r, "followed", "");
    this.held.delete(vm);
    this.note(vm, to, r, "lost", v.reason);
  }

  summary(): Record<string, number> {
    const n = (e: ReservationRow["event"]) => this.log.filter((x) => x.event === e).length;
    return { admitted: n("admitted"), rejected: n("rejected"), followed: n("followed"), kept: n("kept"), lost: n("lost") };
  }

  private note(vm: string, host: string, r: Reservation, event: ReservationRow["event"], reason: string): void {
    this.log.push({ t: this.clock.now, vm, host, period: r.period, slice: r.slice, event, reason });
    this.say(`reservation of ${vm} (${r.slice} s every ${r.period} s) ${event} on ${host}${reason ? `: ${reason}` : ""}`);
  }
}
