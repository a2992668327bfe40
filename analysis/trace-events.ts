/**
 * A timeline as a Chrome trace-event JSON file, which Perfetto (ui.perfetto.dev) and
 * chrome://tracing open: a process per group, a thread per track, complete events ("X") for
 * slices, instants ("i") for decisions, async begin/end pairs ("b"/"e") for spans.
 * Timestamps are microseconds of simulated (or, live, wall-clock) time since the run began.
 */
import type { TimelineEvent } from "../sim/kernel/timeline.js";

export interface TraceMeta {
  scenario: string;
  /** "simulation", or "live (backend)". */
  source: string;
  seed?: number;
  dropped?: Record<string, number>;
}

type Json = Record<string, unknown>;

/** Microseconds, kept to the nanosecond so files are byte-stable and small. */
const us = (s: number) => Math.round(s * 1e9) / 1e3;

export function traceEvents(events: readonly TimelineEvent[], meta: TraceMeta): string {
  const pids = new Map<string, number>(), tids = new Map<string, number>();
  const out: Json[] = [];
  const ids = (e: TimelineEvent) => {
    let pid = pids.get(e.group);
    if (pid === undefined) {
      pids.set(e.group, (pid = pids.size + 1));
      out.push({ ph: "M", name: "process_name", pid, tid: 0, args: { name: e.group } });
      out.push({ ph: "M", name: "process_sort_index", pid, tid: 0, args: { sort_index: pid } });
    }
    const key = `${e.group}\u0000${e.track}`;
    let tid = tids.get(key);
    if (tid === undefined) {
      tids.set(key, (tid = tids.size + 1));
      out.push({ ph: "M", name: "thread_name", pid, tid, args: { name: e.track } });
    }
    return { pid, tid };
  };
  let span = 0;
  for (const e of events) {
    const { pid, tid } = ids(e);
    const args = e.args ?? {};
    if (e.kind === "slice") out.push({ ph: "X", name: e.name, cat: e.group, pid, tid, ts: us(e.t), dur: us(e.dur ?? 0), args });
    else if (e.kind === "instant") out.push({ ph: "i", s: "t", name: e.name, cat: e.group, pid, tid, ts: us(e.t), args });
    else {
      const id = ++span;
      out.push({ ph: "b", name: e.name, cat: e.group, id, pid, tid, ts: us(e.t), args });
      out.push({ ph: "e", name: e.name, cat: e.group, id, pid, tid, ts: us(e.t + (e.dur ?? 0)) });
    }
  }
  const doc = { displayTimeUnit: "ms", otherData: { tool: "virtuoso", ...meta }, traceEvents: out };
  // One event per line: diffable, and readable with grep.
  return `{"displayTimeUnit":"ms","otherData":${JSON.stringify(doc.otherData)},"traceEvents":[\n${out.map((e) => JSON.stringify(e)).join(",\n")}\n]}\n`;
}
