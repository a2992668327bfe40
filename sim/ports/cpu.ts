/** CPU as a policy sees it: reservations, usage, and application progress. */
export interface Reservation {
  /** Seconds. */
  period: number;
  /** Seconds of CPU in every period. */
  slice: number;
}

export type Admission = { admitted: true } | { admitted: false; reason: string };

export interface CpuControl {
  /** Asks for `slice` seconds of CPU every `period` for a VM; may be refused, with a reason. */
  reserve(vm: string, r: Reservation): Admission;
  release(vm: string): void;
  /** CPU seconds the VM has consumed so far. */
  usage(vm: string): number;
  /** Progress an application reports (e.g. BSP supersteps done); undefined if it reports none. */
  progress(app: string): number | undefined;
}
