/** Scenario checks for a SimGrid platform file: readable, supported, and holding the scenario's hosts. */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { SimgridPlatform } from "./platform.js";

export function simgridProblems(file: string, baseDir: string, hosts: readonly string[], path: string): string[] {
  const full = isAbsolute(file) ? file : join(baseDir, file);
  if (!existsSync(full)) return [`${path}: no such file "${full}"`];
  let p: SimgridPlatform;
  try {
    p = SimgridPlatform.parse(readFileSync(full, "utf8"));
  } catch (e) {
    return [`${path}: ${(e as Error).message}`];
  }
  const known = new Set(p.hosts.map((h) => h.id));
  const missing = hosts.filter((h) => !known.has(h));
  return missing.length ? [`${path}: hosts ${missing.slice(0, 5).map((h) => `"${h}"`).join(", ")}${missing.length > 5 ? " ..." : ""} are not in the SimGrid platform`] : [];
}
