/**
 * Bounds on what a scenario file may ask for, checked before anything is expanded or built,
 * so no input can make `validate` run out of memory or time. Each limit names the field and,
 * where a larger value is meaningful, how to raise it.
 */
import { formatPath } from "./problems.js";

export const limits = {
  /** Scenario files larger than this are refused unread. */
  fileBytes: 16 * 1024 * 1024,
  /** Objects and arrays nested deeper than this (the real format needs about 8). */
  depth: 64,
  /** Any string longer than this; names have their own, smaller bound. */
  stringLength: 65536,
  /** Any array longer than this. */
  arrayLength: 1_000_000,
  /** Hosts after `count` templates are expanded. */
  hosts: 100_000,
  /** Estimated events of one run, unless `--max-events` says otherwise. */
  events: 1e9,
};

/** Deepest nesting of objects and arrays in JSON text, found without parsing it. */
export function jsonDepth(text: string): number {
  let depth = 0, max = 0, quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** Problems with the raw document's sizes: long strings, long arrays. */
export function sizeProblems(doc: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown, path: (string | number)[]) => {
    if (out.length >= 20) return;
    if (typeof x === "string") {
      if (x.length > limits.stringLength) out.push(`${formatPath(path)}: string of ${x.length} characters; at most ${limits.stringLength}`);
    } else if (Array.isArray(x)) {
      if (x.length > limits.arrayLength) out.push(`${formatPath(path)}: ${x.length} items; at most ${limits.arrayLength}`);
      else x.forEach((v, i) => walk(v, [...path, i]));
    } else if (typeof x === "object" && x !== null) {
      for (const [k, v] of Object.entries(x)) walk(v, [...path, k]);
    }
  };
  walk(doc, []);
  return out;
}

/** A value quoted for a message, cut short so a huge input is not echoed back. */
export function quote(v: unknown): string {
  const s = typeof v === "string" ? v : String(v);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}
