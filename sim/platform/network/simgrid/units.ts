/**
 * SimGrid's quantity spellings: bandwidths "125MBps" (bytes) or "1Gbps" (bits), times
 * "50us", speeds "1Gf"; decimal (k, M, G, ...) and binary (Ki, Mi, Gi, ...) prefixes. A bare
 * number is in the base unit (bytes/s, seconds, flops), as SimGrid reads it.
 */
const decimal: Record<string, number> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const times: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9, ps: 1e-12 };

function split(text: string): [number, string] {
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a number with a unit`);
  return [Number(m[1]), m[2]];
}

function prefixed(unit: string, base: string): number | undefined {
  if (!unit.endsWith(base)) return undefined;
  const p = unit.slice(0, unit.length - base.length);
  return binary[p] ?? decimal[p];
}

/** Bytes per second. */
export function bandwidth(text: string): number {
  const [v, u] = split(text);
  if (u === "") return v;
  const bytes = prefixed(u, "Bps");
  if (bytes !== undefined) return v * bytes;
  const bits = prefixed(u, "bps");
  if (bits !== undefined) return (v * bits) / 8;
  throw new Error(`"${text}": unknown bandwidth unit "${u}" (Bps or bps with k, M, G, Ki, Mi, Gi, ...)`);
}

/** Seconds. */
export function time(text: string): number {
  const [v, u] = split(text);
  if (u === "") return v;
  const s = times[u];
  if (s === undefined) throw new Error(`"${text}": unknown time unit "${u}" (w, d, h, m, s, ms, us, ns, ps)`);
  return v * s;
}

/** Operations (flops) per second. */
export function speed(text: string): number {
  const [v, u] = split(text);
  if (u === "") return v;
  const f = prefixed(u, "flops") ?? prefixed(u, "f");
  if (f === undefined) throw new Error(`"${text}": unknown speed unit "${u}" (f or flops with k, M, G, ...)`);
  return v * f;
}
