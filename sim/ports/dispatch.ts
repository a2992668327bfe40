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
}
