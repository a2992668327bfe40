/**
 * A guest's clock against its host's. A guest's CLOCK_REALTIME is not the host's (it starts
 * from the emulated RTC, to the second, and a migrated guest's clock stands still while it is
 * paused), so a time a guest stamps means nothing on the host until related to it. The guest
 * prints its clock just before a line, and the host notes when the line arrived: each such
 * pair bounds the offset from above (the line took some time to arrive, never less than none),
 * so the least of recent samples estimates it, as NTP's clock filter keeps its least-delay
 * sample. Only recent ones count, so a clock running slightly fast or slow against the host's
 * is followed rather than averaged.
 */

/** Seconds of samples the estimate is taken over. */
export const CLOCK_WINDOW_S = 5;

export class GuestClock {
  /** Per whole host second: the least (host arrival - guest stamp) seen in it. */
  private readonly least = new Map<number, number>();

  /** A line stamped `guest` (the guest's seconds) arrived at `host` (the host's epoch seconds). */
  sample(guest: number, host: number): void {
    const s = Math.floor(host);
    const d = host - guest;
    const l = this.least.get(s);
    if (l === undefined || d < l) this.least.set(s, d);
    for (const k of this.least.keys()) if (k <= s - CLOCK_WINDOW_S) this.least.delete(k);
  }

  /** Forgets every sample: the guest's clock stood still while it was paused (a migration that did not stand), so the least of the old ones no longer holds. */
  reset(): void {
    this.least.clear();
  }

  /** Host epoch seconds minus guest seconds, or undefined before any sample. */
  get offset(): number | undefined {
    let o: number | undefined;
    for (const d of this.least.values()) if (o === undefined || d < o) o = d;
    return o;
  }
}
