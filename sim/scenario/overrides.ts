/** `--set path=value`: the value is JSON where it parses as JSON, else a string. */
import { ScenarioError } from "./problems.js";

export function applyOverrides(doc: unknown, sets: readonly string[]): unknown {
  const problems: string[] = [];
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq <= 0) {
      problems.push(`--set ${set}: expected path=value`);
      continue;
    }
    const path = set.slice(0, eq).split(".");
    const raw = set.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    const err = setPath(doc, path, value);
    if (err) problems.push(`--set ${set}: ${err}`);
  }
  if (problems.length) throw new ScenarioError(problems);
  return doc;
}

function setPath(doc: unknown, path: string[], value: unknown): string | undefined {
  if (typeof doc !== "object" || doc === null) return "the scenario is not an object";
  let node = doc as Record<string, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    if (key === "") return "empty path segment";
    let next = node[key];
    if (next === undefined) next = node[key] = /^\d+$/.test(path[i + 1]) ? [] : {};
    if (typeof next !== "object" || next === null) return `${path.slice(0, i + 1).join(".")} is not an object or array`;
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last === "") return "empty path segment";
  if (Array.isArray(node) && !/^\d+$/.test(last)) return `${path.slice(0, -1).join(".")} is an array; index it with a number`;
  node[last] = value;
  return undefined;
}
