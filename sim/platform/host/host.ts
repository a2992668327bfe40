/** A physical host: cores of a given speed, the entities sharing them, and their scheduler. */
import type { Simulation } from "../../kernel/index.js";
import type { CpuEntity, CpuScheduler } from "./cpu.js";

export interface HostParams {
  cores: number;
  speed: number;
  tick: number;
  dispatchOverhead: number;
  uMax: number;
  vnicLatency: number;
}

export class Host {
  readonly entities: CpuEntity[] = [];
  /** Bumped whenever `entities` changes, so schedulers can cache per-entity state by position. */
  version = 0;
  private byName = new Map<string, CpuEntity>();
  private busyRate = 0;
  private busyArea = 0;
  private last = 0;

  constructor(
    readonly sim: Simulation,
    readonly id: string,
    /** Network node of this host. */
    readonly node: number,
    readonly params: HostParams,
    readonly scheduler: CpuScheduler,
  ) {
    scheduler.attach(this);
  }

  get speed(): number {
    return this.params.speed;
  }

  get cores(): number {
    return this.params.cores;
  }

  /** Operations per second the whole host can do. */
  get capacity(): number {
    return this.params.cores * this.params.speed;
  }

  add(e: CpuEntity): void {
    this.entities.push(e);
    this.version++;
    this.byName.set(e.name, e);
    this.changed();
  }

  remove(e: CpuEntity): void {
    const i = this.entities.indexOf(e);
    if (i < 0) return;
    this.entities.splice(i, 1);
    this.version++;
    this.byName.delete(e.name);
    this.assign(e, 0);
    this.changed();
  }

  changed(): void {
    this.scheduler.changed();
  }

  entity(name: string): CpuEntity | undefined {
    return this.byName.get(name);
  }

  /** Schedulers set rates through here, so utilization is accounted in one place. */
  assign(e: CpuEntity, rate: number): void {
    const old = e.cpuRate;
    if (old === rate) return;
    this.account();
    this.busyRate += rate - old;
    e.setCpuRate(rate);
  }

  /** Fraction of capacity used since the start. */
  utilization(): number {
    this.account();
    return this.sim.now > 0 ? this.busyArea / (this.capacity * this.sim.now) : 0;
  }

  private account(): void {
    this.busyArea += this.busyRate * (this.sim.now - this.last);
    this.last = this.sim.now;
  }
}
