/** Time as a policy sees it: simulated by the kernel, or wall time in live mode. */
export type TimerId = number;

export interface Clock {
  /** Seconds since the start of the run. */
  readonly now: number;
  at(time: number, fn: () => void): TimerId;
  after(delay: number, fn: () => void): TimerId;
  /** Calls `fn` every `interval` seconds, first at `now + (start ?? interval)`. */
  every(interval: number, fn: () => void, start?: number): TimerId;
  cancel(id: TimerId): void;
}
