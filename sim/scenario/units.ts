/**
 * Quantities with units: "1Gbps", "125MBps", "50us", "4GiB", "1Gf", normalised on load into
 * the base units the simulator works in (bytes, bytes per second, seconds, operations per second). SimGrid's spellings
 * are the ones accepted, so a value copied from a SimGrid platform file means the same here.
 *
 * A small table rather than mathjs's unit parser: mathjs reads "m" as metres (SimGrid's
 * minute), and knows neither "bps"/"Bps" nor "d" for days, so each would need overriding.
 */
import { z } from "zod";

export type QuantityKind = "time" | "size" | "rate" | "speed";

/**
 * A unit's factor as a power of ten and an exact binary-friendly multiplier (2^k, 60, 1/8),
 * so "50us" becomes Number("50e-6"), the same double as writing 5e-5.
 */
interface Factor {
  e: number;
  m: number;
}

const decimal: Record<string, Factor> = { "": { e: 0, m: 1 }, k: { e: 3, m: 1 }, K: { e: 3, m: 1 }, M: { e: 6, m: 1 }, G: { e: 9, m: 1 }, T: { e: 12, m: 1 }, P: { e: 15, m: 1 }, E: { e: 18, m: 1 } };
const binary: Record<string, Factor> = { Ki: { e: 0, m: 2 ** 10 }, Mi: { e: 0, m: 2 ** 20 }, Gi: { e: 0, m: 2 ** 30 }, Ti: { e: 0, m: 2 ** 40 }, Pi: { e: 0, m: 2 ** 50 }, Ei: { e: 0, m: 2 ** 60 } };
const prefixes: Record<string, Factor> = { ...decimal, ...binary };
const times: Record<string, Factor> = {
  w: { e: 0, m: 604800 }, d: { e: 0, m: 86400 }, h: { e: 0, m: 3600 }, m: { e: 0, m: 60 }, s: { e: 0, m: 1 },
  ms: { e: -3, m: 1 }, us: { e: -6, m: 1 }, ns: { e: -9, m: 1 }, ps: { e: -12, m: 1 },
};

/** Units of each kind and their factor to the base unit (a bit is 1/8 byte). */
const table: Record<QuantityKind, Record<string, Factor>> = {
  time: times,
  size: withPrefixes({ B: 1, b: 1 / 8 }),
  rate: withPrefixes({ Bps: 1, bps: 1 / 8 }),
  speed: withPrefixes({ f: 1, flops: 1 }),
};

function withPrefixes(bases: Record<string, number>): Record<string, Factor> {
  const out: Record<string, Factor> = {};
  for (const [base, f] of Object.entries(bases)) for (const [p, x] of Object.entries(prefixes)) out[p + base] = { e: x.e, m: x.m * f };
  return out;
}

const numberText = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`;
const split = new RegExp(String.raw`^\s*([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?\s*([A-Za-z]+)\s*$`);

/** The JSON Schema pattern a unit string of this kind matches. */
export function unitPattern(kind: QuantityKind): string {
  const units = Object.keys(table[kind]).filter((u) => u !== "").sort((a, b) => b.length - a.length);
  return String.raw`^\s*${numberText}\s*(?:${units.join("|")})\s*$`;
}

const patterns = { time: new RegExp(unitPattern("time")), size: new RegExp(unitPattern("size")), rate: new RegExp(unitPattern("rate")), speed: new RegExp(unitPattern("speed")) };

/** The value of `text` in the base unit of `kind`, or undefined when it is not one. */
export function parseQuantity(text: string, kind: QuantityKind): number | undefined {
  const m = split.exec(text);
  if (!m) return undefined;
  const f = table[kind][m[3]];
  if (f === undefined) return undefined;
  return Number(`${m[1]}e${Number(m[2] ?? 0) + f.e}`) * f.m;
}

const expected: Record<QuantityKind, string> = {
  time: `expected a time like "10ms" or seconds number`,
  size: `expected a size like "4GiB" or bytes number`,
  rate: `expected a rate like "1Gbps" or bytes/s number`,
  speed: `expected a speed like "1Gf" or operations/s number`,
};

function got(input: unknown): string {
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * A field holding a quantity of `kind`: a number in the base unit, or a unit string. The
 * number's own checks (`base`) run after the string is converted.
 */
export function quantity<T extends z.ZodType<number, number>>(kind: QuantityKind, base: T) {
  const error = (iss: { input?: unknown }) => (iss.input === undefined ? "required field is missing" : `${expected[kind]}, got ${got(iss.input)}`);
  return z
    .union([z.number(), z.string().regex(patterns[kind], { error })], { error })
    .transform((v) => (typeof v === "number" ? v : (parseQuantity(v, kind) as number)))
    .pipe(base);
}

/**
 * For z.toJSONSchema's `override`: zod leaves a default out of the input JSON Schema when a
 * transform (a unit conversion) sits under it; put it back, so editors show every default.
 */
export function keepDefaults(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const def = (ctx.zodSchema as { _zod?: { def?: { type?: string; defaultValue?: unknown } } })._zod?.def;
  if (def?.type === "default" && ctx.jsonSchema.default === undefined) ctx.jsonSchema.default = JSON.parse(JSON.stringify(def.defaultValue));
}
