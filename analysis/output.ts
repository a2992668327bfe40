/**
 * Output folders that are never half-written: files are staged in memory while a run works,
 * then each is written to a temp file and renamed into place. A run that fails before
 * `commit()` writes nothing.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Writes `data` to `path` atomically: temp file in the same folder, then rename. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export class OutputDir {
  readonly files = new Map<string, string>();

  constructor(readonly dir: string) {}

  add(name: string, data: string): void {
    this.files.set(name, data);
  }

  names(): string[] {
    return [...this.files.keys()];
  }

  /** Writes every staged file; `summary.json` last, so its presence marks a complete run. */
  commit(): string[] {
    const names = this.names().sort((a, b) => Number(a === "summary.json") - Number(b === "summary.json"));
    for (const name of names) writeAtomic(join(this.dir, name), this.files.get(name)!);
    return names;
  }
}
