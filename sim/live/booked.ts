/**
 * VSched's own record of the time each VM held the CPU, as a dispatcher books it between its
 * run and stop: the evidence a live run compares with the kernel's counters.
 */
export class BookedTime {
  private held = new Map<string, { total: number; since: number }>();

  constructor(private readonly now: () => number) {}

  /** The VM was given the CPU (a second start while holding it changes nothing). */
  start(vm: string): void {
    const h = this.entry(vm);
    if (Number.isNaN(h.since)) h.since = this.now();
  }

  stop(vm: string): void {
    const h = this.entry(vm);
    if (!Number.isNaN(h.since)) h.total += this.now() - h.since;
    h.since = NaN;
  }

  /** Seconds booked so far, the current holding included. */
  total(vm: string): number {
    const h = this.entry(vm);
    return h.total + (Number.isNaN(h.since) ? 0 : this.now() - h.since);
  }

  private entry(vm: string): { total: number; since: number } {
    let h = this.held.get(vm);
    if (!h) this.held.set(vm, (h = { total: 0, since: NaN }));
    return h;
  }
}
