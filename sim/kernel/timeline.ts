/**
 * A timeline of what happened when, for trace viewers: slices (something held a resource
 * from t0 to t1), instants (a decision), and asynchronous spans (a transfer in flight), each
 * on a track inside a group. Neutral about the file format; the simulated and the live run
 * both fill one, so their traces open side by side.
 */
export type TimelineArgs = Record<string, number | string | boolean>;

export interface TimelineEvent {
  kind: "slice" | "instant" | "span";
  /** A group of tracks, e.g. "host h0", "VMs", "policies", "flows". */
  group: string;
  /** A track in its group, e.g. "core 0", "vm1", "VTTIF". */
  track: string;
  name: string;
  /** Seconds. */
  t: number;
  /** Seconds; slices and spans only. */
  dur?: number;
  args?: TimelineArgs;
}

export class Timeline {
  readonly events: TimelineEvent[] = [];
  /** Events refused once the limit was reached, by group: a long run's trace stays openable. */
  readonly dropped = new Map<string, number>();

  constructor(readonly limit = 1_000_000) {}

  slice(group: string, track: string, name: string, t0: number, t1: number, args?: TimelineArgs): void {
    this.add({ kind: "slice", group, track, name, t: t0, dur: Math.max(0, t1 - t0), args });
  }

  instant(group: string, track: string, name: string, t: number, args?: TimelineArgs): void {
    this.add({ kind: "instant", group, track, name, t, args });
  }

  span(group: string, track: string, name: string, t0: number, t1: number, args?: TimelineArgs): void {
    this.add({ kind: "span", group, track, name, t: t0, dur: Math.max(0, t1 - t0), args });
  }

  private add(e: TimelineEvent): void {
    if (this.events.length >= this.limit) {
      this.dropped.set(e.group, (this.dropped.get(e.group) ?? 0) + 1);
      return;
    }
    this.events.push(e);
  }
}
