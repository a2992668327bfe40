/**
 * A virtual machine: runs compute jobs one after another at the CPU rate its host's
 * scheduler gives it, and dirties memory while it computes (what live migration must copy).
 */
import type { Simulation } from "../../kernel/index.js";
import { Activity } from "../activity.js";
import type { CpuEntity, Host } from "../host/index.js";

export class ComputeJob extends Activity {
  constructor(ops: number, now: number, readonly onDone?: (job: ComputeJob) => void) {
    super(ops, now);
  }
}

export interface VmPages {
  /** Bytes dirtied per second of wall time while running. */
  wallDirtyRate: number;
  /** Most distinct bytes dirtied between two dirty-bitmap syncs; undefined: all of memory. */
  workingSet?: number;
  /** Bytes holding nonzero data; undefined: the migration settings decide. */
  touched?: number;
}

export class Vm implements CpuEntity {
  private jobs: ComputeJob[] = [];
  cpuRate = 0;
  private paused = false;
  /** Operations done, and core-seconds of CPU used. */
  opsDone = 0;
  cpuSeconds = 0;
  private readonly completeCb = (j: ComputeJob) => this.complete(j);
  /** Demand when it has work: its vCPUs' worth of its host's cores (set with the host; schedulers ask often). */
  private full: number;

  constructor(
    private readonly sim: Simulation,
    readonly name: string,
    public host: Host,
    readonly vcpus: number,
    readonly memory: number,
    /** Bytes dirtied per CPU-second of computing. */
    readonly dirtyRate: number,
    /** What the qemu migration model reads beyond memory and dirtyRate. */
    readonly pages: VmPages = { wallDirtyRate: 0 },
  ) {
    this.full = Math.min(vcpus, host.cores) * host.speed;
    host.add(this);
  }

  get busy(): boolean {
    return this.jobs.length > 0;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Queues `ops` operations of work; `onDone` runs when they are done. */
  compute(ops: number, onDone?: (job: ComputeJob) => void): ComputeJob {
    if (!(ops >= 0)) throw new RangeError(`${this.name}: work must be >= 0 operations, got ${ops}`);
    const job = new ComputeJob(ops, this.sim.now, onDone);
    this.jobs.push(job);
    if (this.jobs.length === 1) {
      if (ops === 0) job.setRate(this.sim, 0, this.completeCb);
      else if (this.cpuRate > 0) this.run(job, this.cpuRate);
      else this.host.changed();
    }
    return job;
  }

  demand(): number {
    return this.paused || this.jobs.length === 0 ? 0 : this.full;
  }

  setCpuRate(rate: number): void {
    this.cpuRate = rate;
    const head = this.jobs[0];
    if (head) this.run(head, rate);
  }

  /** CPU seconds used up to now, read without settling (a display must not change the run's arithmetic). */
  cpuSecondsNow(): number {
    const head = this.jobs[0];
    return this.cpuSeconds + (head ? Math.min(head.remaining, head.rate * (this.sim.now - head.last)) / this.host.speed : 0);
  }

  /** Brings the work counters up to now. */
  settle(): void {
    const head = this.jobs[0];
    if (head) this.credit(head.settle(this.sim.now));
  }

  /** Stops computing (stop-and-copy) until `resume()`. */
  pause(): void {
    this.settle();
    this.paused = true;
    this.host.changed();
  }

  resume(): void {
    this.paused = false;
    this.host.changed();
  }

  /** Moves to another host (the migration has copied the state). */
  moveTo(host: Host): void {
    this.settle();
    this.host.remove(this);
    this.host = host;
    this.full = Math.min(this.vcpus, host.cores) * host.speed;
    host.add(this);
  }

  private run(job: ComputeJob, rate: number): void {
    this.credit(job.setRate(this.sim, rate, this.completeCb));
  }

  private credit(ops: number): void {
    this.opsDone += ops;
    this.cpuSeconds += ops / this.host.speed;
  }

  private complete(job: ComputeJob): void {
    this.credit(job.settle(this.sim.now) + job.remaining);
    job.finish(this.sim.now);
    this.jobs.shift();
    const next = this.jobs[0];
    if (next) {
      next.last = this.sim.now;
      this.run(next, this.cpuRate);
    } else {
      this.host.changed();
    }
    job.onDone?.(job);
  }
}
