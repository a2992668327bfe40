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

/** Track groups shared by the simulated and the live timeline, so their traces line up. */
export const timelineGroups = { vms: "VMs", policies: "policies", flows: "flows", host: (id: string) => `host ${id}` };
const groups = timelineGroups;

/** What a dispatch tap needs of a CPU dispatcher (the CpuDispatch port's run and stop). */
export interface Dispatcher {
  run(vm: string): void;
  stop(vm: string): void;
}

/**
 * A dispatch port that records each run-to-stop interval as a slice on a core track. The
 * simulated host does not pin VMs to cores: a VM given a core takes the lowest-numbered one
 * free, so the tracks show how many cores were busy and with whom.
 */
export class DispatchTap {
  private running = new Map<string, { core: number; since: number }>();
  private busy: boolean[] = [];

  constructor(private readonly timeline: Timeline) {}

  /** Replaces `d`'s run and stop with recording ones (in place: whoever holds `d` is tapped). */
  patch<D extends Dispatcher>(host: string, now: () => number, d: D): D {
    const key = (vm: string) => `${host}\u0000${vm}`;
    const run = d.run.bind(d), stop = d.stop.bind(d);
    d.run = (vm: string) => {
      if (!this.running.has(key(vm))) {
        let core = 0;
        while (this.busy[this.coreKey(host, core)]) core++;
        this.busy[this.coreKey(host, core)] = true;
        this.running.set(key(vm), { core, since: now() });
      }
      run(vm);
    };
    d.stop = (vm: string) => {
      this.end(host, vm, now());
      stop(vm);
    };
    return d;
  }

  /** Closes the slices still open when the run ends. */
  close(t: number): void {
    for (const k of [...this.running.keys()]) {
      const [host, vm] = k.split("\u0000");
      this.end(host, vm, t);
    }
  }

  private hosts: string[] = [];
  private coreKey(host: string, core: number): number {
    let h = this.hosts.indexOf(host);
    if (h < 0) h = this.hosts.push(host) - 1;
    return h * 4096 + core;
  }

  private end(host: string, vm: string, t: number): void {
    const k = `${host}\u0000${vm}`;
    const r = this.running.get(k);
    if (!r) return;
    this.running.delete(k);
    this.busy[this.coreKey(host, r.core)] = false;
    if (t > r.since) this.timeline.slice(groups.host(host), `core ${r.core}`, vm, r.since, t);
  }
}

