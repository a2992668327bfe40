/** Shared test helpers: running the real CLI, temp folders, reading output folders. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "virtuoso.js");

export function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = "virtuoso-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeJson(dir: string, name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/** Every file of an output folder, with wall-clock figures removed from summary.json. */
export function readOutput(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    let text = readFileSync(join(dir, name), "utf8");
    if (name === "summary.json") {
      const s = JSON.parse(text);
      delete s.wall_s;
      text = JSON.stringify(s);
    }
    out[name] = text;
  }
  return out;
}

/** Rows of a CSV the project wrote (no quoted commas), as records of strings. */
export function csvRecords(csv: string): Record<string, string>[] {
  const [head, ...lines] = csv.trim().split("\n");
  const cols = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])));
}
