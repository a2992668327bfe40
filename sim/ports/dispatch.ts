/**
 * The mechanism a CPU dispatcher (VSched) drives: give a core to an entity, or take it
 * away. In simulation it sets CPU rates; in live mode it is SIGCONT/SIGSTOP, a scheduling
 * class, or a cgroup quota.
 */
export interface CpuDispatch {
  run(vm: string): void;
  stop(vm: string): void;
  /** Whether the entity has work to do now. */
  runnable(vm: string): boolean;
  /** CPU seconds the entity has consumed so far. */
  cpuTime(vm: string): number;
  /** The dispatcher asks to hear when a stopped entity becomes runnable. */
  onRunnable(fn: (vm: string) => void): void;
  /**
   * Optional: the four calls above bound to one entity, so a dispatcher deciding often does not
   * look its name up each time. Without it, a dispatcher binds the name-keyed calls itself.
   */
  target?(vm: string): DispatchTarget;
}

/** One entity's side of a CpuDispatch; each call means the same as the name-keyed one. */
export interface DispatchTarget {
  run(): void;
  stop(): void;
  runnable(): boolean;
  cpuTime(): number;
}

