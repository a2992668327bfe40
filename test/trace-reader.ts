/** A small Chrome trace-event reader for tests: checks the file against the format's shape (zod), then gives events by track. */
import { readFileSync } from "node:fs";
import { z } from "zod";

/** The trace-event format's shape, as Perfetto and chrome://tracing read it. */
const args = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));
const base = { name: z.string(), pid: z.number().int(), tid: z.number().int() };
const event = z.discriminatedUnion("ph", [
  z.object({ ph: z.literal("M"), ...base, args: z.object({ name: z.string().optional(), sort_index: z.number().optional() }) }),
  z.object({ ph: z.literal("X"), ...base, cat: z.string(), ts: z.number().nonnegative(), dur: z.number().nonnegative(), args }),
  z.object({ ph: z.literal("i"), ...base, s: z.enum(["t", "p", "g"]), cat: z.string(), ts: z.number().nonnegative(), args }),
  z.object({ ph: z.literal("b"), ...base, cat: z.string(), id: z.number().int(), ts: z.number().nonnegative(), args }),
  z.object({ ph: z.literal("e"), ...base, cat: z.string(), id: z.number().int(), ts: z.number().nonnegative() }),
]);
const file = z.object({ displayTimeUnit: z.enum(["ms", "ns"]), otherData: z.object({ tool: z.literal("virtuoso"), scenario: z.string(), source: z.string() }).passthrough(), traceEvents: z.array(event) });
type Event = z.infer<typeof event>;

/** A small trace reader: events by "group/track" name, times back in seconds; async pairs joined. */
export function readTrace(path: string) {
  const doc = file.parse(JSON.parse(readFileSync(path, "utf8")));
  const groups = new Map<number, string>(), tracks = new Map<string, string>();
  for (const e of doc.traceEvents) {
    if (e.ph === "M" && e.name === "process_name") groups.set(e.pid, e.args.name!);
    if (e.ph === "M" && e.name === "thread_name") tracks.set(`${e.pid}/${e.tid}`, e.args.name!);
  }
  const where = (e: Event) => `${groups.get(e.pid)}/${tracks.get(`${e.pid}/${e.tid}`)}`;
  const slices = new Map<string, { name: string; t0: number; t1: number; args: Record<string, unknown> }[]>();
  const instants = new Map<string, { name: string; t: number; args: Record<string, unknown> }[]>();
  const open = new Map<number, { name: string; t0: number; track: string }>();
  const spans: { name: string; t0: number; t1: number; track: string }[] = [];
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => (m.get(k) ?? m.set(k, []).get(k)!).push(v);
  for (const e of doc.traceEvents) {
    if (e.ph === "X") push(slices, where(e), { name: e.name, t0: e.ts / 1e6, t1: (e.ts + e.dur) / 1e6, args: e.args });
    else if (e.ph === "i") push(instants, where(e), { name: e.name, t: e.ts / 1e6, args: e.args });
    else if (e.ph === "b") open.set(e.id, { name: e.name, t0: e.ts / 1e6, track: where(e) });
    else if (e.ph === "e") {
      const b = open.get(e.id)!;
      open.delete(e.id);
      spans.push({ ...b, t1: e.ts / 1e6 });
    }
  }
  return { doc, slices, instants, spans, unclosed: open.size };
}

