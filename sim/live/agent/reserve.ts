/**
 * VSched reservations on a host's QEMU VMs for a cluster run: SCHED_DEADLINE on each VM's
 * vCPU threads, the backend single-host QEMU mode uses by default (vm/cpu.ts VmDeadline,
 * journaled there first: the run's journal undoes it with the run). Admission counts every reservation this host holds,
 * including one booked for a VM migrating here: it is admitted before the migration starts
 * and applied to the destination QEMU's vCPU threads when asked again once the guest runs
 * here (after the source released its own: on a testbed every host shares one kernel, whose
 * SCHED_DEADLINE admission counts both).
 */
import type { Admission, Reservation } from "../../ports/index.js";
import { admitBeside } from "../backends.js";
import type { Journal } from "../journal.js";
import { VmDeadline } from "../vm/cpu.js";
import type { HostGuests } from "./guests.js";

export class HostReservations {
  /** Every reservation this host holds: of VMs running here, and booked for VMs on their way. */
  private readonly booked = new Map<string, Reservation>();
  private readonly ctl: VmDeadline;

  constructor(private readonly guests: HostGuests, readonly uMax: number, journal: Journal) {
    this.ctl = new VmDeadline(guests.qemus, uMax, journal);
  }

  has(vm: string): boolean {
    return this.booked.has(vm);
  }

  /** Admits `r` for `vm` beside this host's others; applies it now if the VM runs here. */
  reserve(vm: string, r: Reservation): Admission {
    const verdict = admitBeside(this.booked, vm, r, this.uMax);
    if (!verdict.admitted) return verdict;
    if (this.guests.runs(vm)) {
      const applied = this.ctl.reserve(vm, r);
      // The kernel refused it: the VM holds none here (its earlier one was undone with it).
      if (!applied.admitted) {
        this.booked.delete(vm);
        return applied;
      }
    }
    this.booked.set(vm, r);
    return verdict;
  }

  /** The VM's reservation ends here (its vCPU threads back to SCHED_OTHER if they run here). */
  release(vm: string): void {
    if (!this.booked.delete(vm)) return;
    if (this.guests.runs(vm)) this.ctl.release(vm);
  }
}
