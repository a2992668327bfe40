/**
 * How a host's CPU is divided. Entities (VMs, external load) say how fast they could run;
 * a pluggable scheduler decides how fast each does. The default shares fairly; a real-time
 * scheduler (VSched) plugs in through the same interface.
 */
import type { Host } from "./host.js";

export interface CpuEntity {
  readonly name: string;
  /** The most CPU it can use now, in operations per second; 0 when not runnable. */
  demand(): number;
  /** The rate it runs at now (set through setCpuRate). */
  readonly cpuRate: number;
  /** Called by the scheduler with the rate the entity now runs at. */
  setCpuRate(rate: number): void;
}

export interface CpuScheduler {
  readonly name: string;
  attach(host: Host): void;
  /** An entity joined, left, or changed its demand. */
  changed(): void;
}
