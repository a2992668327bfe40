/**
 * A host CPU driven by a dispatcher policy (VSched): the policy runs and stops reserved
 * entities through the CpuDispatch port; a running entity gets a whole core, after the
 * per-switch dispatch overhead. Everything unreserved shares what the running ones leave.
 */
import type { CpuDispatch, DispatchTarget } from "../../ports/index.js";
import type { Reservable } from "../ports.js";
import type { CpuEntity, CpuScheduler } from "./cpu.js";
import { waterFill } from "./fairshare.js";
import type { Host } from "./host.js";

const SHARE_PRIORITY = 9;

interface Slot {
  /** Reserved through this scheduler (kept apart from `running`, which outlives a release). */
  reserved: boolean;
  running: boolean;
  /** When its switch overhead ends. */
  from: number;
  wasRunnable: boolean;
  readonly vm: string;
  /** The host's entity of that name as of `seen` (host.version), looked up once per change. */
  entity: CpuEntity | undefined;
  seen: number;
}

export interface DispatchPolicy extends Reservable {
  reservation(vm: string): unknown;
}

export type DispatchPolicyFactory = (host: Host, dispatch: CpuDispatch) => DispatchPolicy;

export class DispatchedCpu implements CpuScheduler, CpuDispatch, Reservable {
  readonly name: string;
  private host!: Host;
  policy!: DispatchPolicy;
  /** Per VM ever reserved or dispatched: whether it has a core, and when its switch overhead ends. */
  private slots = new Map<string, Slot>();
  /** The host's entities and their slots, position by position, as of `seen` (host.version). */
  private bySeat: (Slot | undefined)[] = [];
  private seen = -1;
  private listeners: ((vm: string) => void)[] = [];
  private queued = false;
  private free: CpuEntity[] = [];
  private readonly recompute = () => this.share();

  constructor(name: string, private readonly makePolicy: DispatchPolicyFactory, private readonly overhead: number) {
    this.name = name;
  }

  attach(host: Host): void {
    this.host = host;
    this.policy = this.makePolicy(host, this);
  }

  reserve(vm: string, r: { period: number; slice: number }) {
    const verdict = this.policy.reserve(vm, r);
    if (verdict.admitted) this.slot(vm).reserved = true;
    this.changed();
    return verdict;
  }

  release(vm: string): void {
    const slot = this.slots.get(vm);
    if (slot) slot.reserved = false;
    this.policy.release(vm);
    this.changed();
  }

  // CpuDispatch, for the policy.

  run(vm: string): void {
    const slot = this.slots.get(vm);
    if (!slot) return this.changed();
    this.runSlot(slot);
  }

  stop(vm: string): void {
    if (this.entity(vm)) this.slot(vm).running = false;
    this.changed();
  }

  runnable(vm: string): boolean {
    const e = this.entity(vm);
    return !!e && e.demand() > 0;
  }

  cpuTime(vm: string): number {
    return cpuSecondsOf(this.entity(vm));
  }

  /**
   * The same calls bound to `vm`'s slot, without a lookup by name. A dispatch tap (sim/kernel
   * timeline) replaces `run` and `stop` on this object, so a tapped target goes through them.
   */
  target(vm: string): DispatchTarget {
    const slot = this.slot(vm);
    const tapped = this.run !== DispatchedCpu.prototype.run || this.stop !== DispatchedCpu.prototype.stop;
    return {
      run: tapped ? () => this.run(vm) : () => this.runSlot(slot),
      stop: tapped ? () => this.stop(vm) : () => this.stopSlot(slot),
      runnable: () => {
        const e = this.entityOf(slot);
        return e !== undefined && e.demand() > 0;
      },
      cpuTime: () => cpuSecondsOf(this.entityOf(slot)),
    };
  }

  private runSlot(slot: Slot): void {
    if (!slot.reserved || !this.entityOf(slot)) return this.changed();
    slot.running = true;
    slot.from = this.host.sim.now + this.overhead;
    if (this.overhead > 0) this.host.sim.schedule(this.overhead, this.recompute, undefined, SHARE_PRIORITY);
    this.changed();
  }

  private stopSlot(slot: Slot): void {
    if (this.entityOf(slot)) slot.running = false;
    this.changed();
  }

  onRunnable(fn: (vm: string) => void): void {
    this.listeners.push(fn);
  }

  // CpuScheduler.

  changed(): void {
    if (this.queued) return;
    this.queued = true;
    this.host.sim.schedule(0, this.recompute, undefined, SHARE_PRIORITY);
  }

  private slot(vm: string): Slot {
    let s = this.slots.get(vm);
    if (!s) this.slots.set(vm, (s = { reserved: false, running: false, from: 0, wasRunnable: false, vm, entity: undefined, seen: -1 }));
    return s;
  }

  private entity(vm: string): CpuEntity | undefined {
    return this.host.entity(vm);
  }

  private entityOf(slot: Slot): CpuEntity | undefined {
    if (slot.seen !== this.host.version) {
      slot.entity = this.host.entity(slot.vm);
      slot.seen = this.host.version;
    }
    return slot.entity;
  }

  private share(): void {
    this.queued = false;
    const host = this.host;
    const now = host.sim.now;
    const speed = host.speed;
    const entities = host.entities;
    // One map lookup per entity when the host's entities change, none per recomputation.
    if (this.seen !== host.version) {
      this.bySeat = entities.map((e) => this.slot(e.name));
      this.seen = host.version;
    }
    const bySeat = this.bySeat;
    let busyCores = 0;
    const free = this.free;
    let nFree = 0;
    for (let i = 0; i < entities.length; i++) {
      const e = entities[i];
      const runnable = e.demand() > 0;
      const slot = bySeat[i]!;
      if (slot.reserved) {
        if (runnable && !slot.wasRunnable) for (const l of this.listeners) l(e.name);
        slot.wasRunnable = runnable;
        if (slot.running) busyCores++;
        host.assign(e, slot.running && now >= slot.from - 1e-12 && runnable ? speed : 0);
      } else if (runnable) {
        free[nFree++] = e;
      } else {
        host.assign(e, 0);
      }
    }
    // Shortened only when it shrinks: setting an array's length is not free.
    if (free.length !== nFree) free.length = nFree;
    waterFill(host, free, Math.max(0, host.cores - busyCores) * speed);
  }
}

function cpuSecondsOf(entity: CpuEntity | undefined): number {
  const e = entity as (CpuEntity & { settle?(): void; cpuSeconds?: number }) | undefined;
  e?.settle?.();
  return e?.cpuSeconds ?? 0;
}
