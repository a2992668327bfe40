/**
 * A host CPU driven by a dispatcher policy (VSched): the policy runs and stops reserved
 * entities through the CpuDispatch port; a running entity gets a whole core, after the
 * per-switch dispatch overhead. Everything unreserved shares what the running ones leave.
 */
import type { CpuDispatch } from "../../ports/index.js";
import type { Reservable } from "../ports.js";
import type { CpuEntity, CpuScheduler } from "./cpu.js";
import { waterFill } from "./fairshare.js";
import type { Host } from "./host.js";

const SHARE_PRIORITY = 9;

interface Slot {
  running: boolean;
  /** When its switch overhead ends. */
  from: number;
  wasRunnable: boolean;
}

export interface DispatchPolicy extends Reservable {
  reservation(vm: string): unknown;
}

export type DispatchPolicyFactory = (host: Host, dispatch: CpuDispatch) => DispatchPolicy;

export class DispatchedCpu implements CpuScheduler, CpuDispatch, Reservable {
  readonly name: string;
  private host!: Host;
  policy!: DispatchPolicy;
  /** Per reserved entity: whether it has a core, and when its switch overhead ends. */
  private slots = new Map<CpuEntity, Slot>();
  private reserved = new Set<string>();
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
    if (verdict.admitted) this.reserved.add(vm);
    this.changed();
    return verdict;
  }

  release(vm: string): void {
    this.reserved.delete(vm);
    this.policy.release(vm);
    this.changed();
  }

  // CpuDispatch, for the policy.

  run(vm: string): void {
    const e = this.entity(vm);
    if (!e || !this.reserved.has(vm)) return this.changed();
    const slot = this.slot(e);
    slot.running = true;
    slot.from = this.host.sim.now + this.overhead;
    if (this.overhead > 0) this.host.sim.schedule(this.overhead, this.recompute, undefined, SHARE_PRIORITY);
    this.changed();
  }

  stop(vm: string): void {
    const e = this.entity(vm);
    if (e) this.slot(e).running = false;
    this.changed();
  }

  runnable(vm: string): boolean {
    const e = this.entity(vm);
    return !!e && e.demand() > 0;
  }

  cpuTime(vm: string): number {
    const e = this.entity(vm) as (CpuEntity & { settle?(): void; cpuSeconds?: number }) | undefined;
    e?.settle?.();
    return e?.cpuSeconds ?? 0;
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

  private slot(e: CpuEntity): Slot {
    let s = this.slots.get(e);
    if (!s) this.slots.set(e, (s = { running: false, from: 0, wasRunnable: false }));
    return s;
  }

  private entity(vm: string): CpuEntity | undefined {
    return this.host.entity(vm);
  }

  private share(): void {
    this.queued = false;
    const now = this.host.sim.now;
    const speed = this.host.speed;
    let busyCores = 0;
    const free = this.free;
    free.length = 0;
    for (const e of this.host.entities) {
      const runnable = e.demand() > 0;
      if (this.reserved.has(e.name)) {
        const slot = this.slot(e);
        if (runnable && !slot.wasRunnable) for (const l of this.listeners) l(e.name);
        slot.wasRunnable = runnable;
        if (slot.running) busyCores++;
        this.host.assign(e, slot.running && now >= slot.from - 1e-12 && runnable ? speed : 0);
      } else if (runnable) {
        free.push(e);
      } else {
        this.host.assign(e, 0);
      }
    }
    waterFill(this.host, free, Math.max(0, this.host.cores - busyCores) * speed);
  }
}
