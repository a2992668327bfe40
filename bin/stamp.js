// What a build was made from: every source file's path, size and modification time. A build
// whose stamp differs from the sources' (an edit, a checkout, a new file) is stale and unused.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export const DIST = "dist";
export const ROOTS = ["sim", "analysis"];

function walk(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith(".ts")) {
      const s = statSync(p);
      out.push(`${p}:${s.size}:${s.mtimeMs}`);
    }
  }
}

export function sourceStamp(root) {
  const files = [];
  for (const top of ROOTS) walk(join(root, top), files);
  return files.sort().map((f) => f.slice(root.length));
}

export function buildIsCurrent(root) {
  try {
    const built = JSON.parse(readFileSync(join(root, DIST, "stamp.json"), "utf8"));
    const now = sourceStamp(root);
    return built.length === now.length && built.every((f, i) => f === now[i]);
  } catch {
    return false;
  }
}
