/**
 * A host CPU driven by a dispatcher policy (VSched): the policy runs and stops reserved
 * entities through the CpuDispatch port; a running entity gets a whole core, after the
 * per-switch dispatch overhead. Everything unreserved shares what the running ones leave.
 */
import type { CpuDispatch } from "../../ports/index.js";
import type { Reservable } from "../ports.js";
import type { CpuEntity, CpuScheduler } from "./cpu.js";
import type { Host } from "./host.js";

const SHARE_PRIORITY = 9;

export interface DispatchPolicy extends Reservable {
  reservation(vm: string): unknown;
}

export type DispatchPolicyFactory = (host: Host, dispatch: CpuDispatch) => DispatchPolicy;

export class DispatchedCpu implements CpuScheduler, CpuDispatch, Reservable {
  readonly name: string;
  private host!: Host;
  policy!: DispatchPolicy;
  /** Reserved entities currently given a core, and when their overhead ends. */
  private running = new Map<CpuEntity, number>();
  private reserved = new Set<string>();
  private listeners: ((vm: string) => void)[] = [];
  private wasRunnable = new Map<CpuEntity, boolean>();
  private queued = false;
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
    this.running.set(e, this.host.sim.now + this.overhead);
    if (this.overhead > 0) this.host.sim.schedule(this.overhead, this.recompute, undefined, SHARE_PRIORITY);
    this.changed();
  }

  stop(vm: string): void {
    const e = this.entity(vm);
    if (e) this.running.delete(e);
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

  private entity(vm: string): CpuEntity | undefined {
    return this.host.entities.find((e) => e.name === vm);
  }

  private share(): void {
    this.queued = false;
    const now = this.host.sim.now;
    const speed = this.host.speed;
    let busyCores = 0;
    const free: CpuEntity[] = [];
    for (const e of this.host.entities) {
      const runnable = e.demand() > 0;
      if (this.reserved.has(e.name)) {
        if (runnable && !this.wasRunnable.get(e)) for (const l of this.listeners) l(e.name);
        this.wasRunnable.set(e, runnable);
        const from = this.running.get(e);
        if (from !== undefined) busyCores++;
        this.host.assign(e, from !== undefined && now >= from - 1e-12 && runnable ? speed : 0);
      } else if (runnable) {
        free.push(e);
      } else {
        this.host.assign(e, 0);
      }
    }
    // Water-fill the leftover cores among unreserved entities.
    let left = Math.max(0, this.host.cores - busyCores) * speed;
    let n = free.length;
    const order = free.map((e) => [e, e.demand()] as const).sort((a, b) => a[1] - b[1]);
    for (const [e, d] of order) {
      const r = Math.min(d, left / n);
      this.host.assign(e, r);
      left -= r;
      n--;
    }
  }
}
