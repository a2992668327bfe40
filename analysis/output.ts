/**
 * Output folders owned by one run. Files are staged in memory while a run works; `claim`
 * checks before any work that the folder can be written (by making a staging folder beside
 * it), and `commit` writes every file into the staging folder and renames it into place, so
 * a reader sees a whole result or none. A folder that already holds something is replaced
 * only when asked (`force`), and only if it holds a run's output; two runs racing for one
 * folder cannot mix their files: the later rename is refused, or with `force` replaces the
 * earlier folder whole.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** A one-line problem with the output folder: exit 2 when the request is refused, 1 for I/O. */
export class OutputError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2) {
    super(message);
    this.name = "OutputError";
  }
}

const reasons: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "a path component is not a folder",
  EISDIR: "is a folder",
  EEXIST: "already exists",
  ENOTEMPTY: "already exists and is not empty",
  EMFILE: "too many open files",
  EIO: "input/output error",
};

/** An I/O error as one line: what, where, why. */
export function ioError(what: string, err: unknown): OutputError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why = code ? `${reasons[code] ?? code.toLowerCase()} (${code})` : String((err as Error)?.message ?? err);
  return new OutputError(`${what}: ${why}`, 1);
}

/** Writes `path` atomically: temp file in the same folder, then rename. */
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

/** Staging folders not yet renamed into place, removed if the process dies first. */
const pending = new Set<string>();
/** Parent folders made for a staging folder, removed on exit if they are still empty. */
const madeParents = new Map<string, string>();
let hooked = false;
function cleanupOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const d of pending) rmSync(d, { recursive: true, force: true });
    for (const top of madeParents.values()) removeEmpty(top);
  });
}

/** Removes `dir` and its sub-folders if they hold no files. */
function removeEmpty(dir: string): void {
  try {
    for (const f of readdirSync(dir)) removeEmpty(join(dir, f));
    rmdirSync(dir);
  } catch {
    // not empty, or already gone
  }
}

/** Staging folders of this target left by processes that were killed before they could clean up. */
function removeStale(parent: string, name: string): void {
  if (!existsSync(parent)) return;
  const prefix = `.${name}.staging-`;
  for (const f of readdirSync(parent)) {
    if (!f.startsWith(prefix)) continue;
    const pid = Number(f.slice(prefix.length).split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(join(parent, f), { recursive: true, force: true });
  }
}

/** Whether process `pid` exists on this host (one we may not signal counts). */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether a folder holds a run's, an experiment's or a sweep's output (safe to replace). */
function isOutputFolder(dir: string): boolean {
  const names = readdirSync(dir);
  return names.length === 0 || names.includes("summary.json") || names.includes("sweep.json");
}

export interface ClaimOptions {
  /** Replace an existing output folder whole. */
  force?: boolean;
}

/**
 * Checks that `dir` may receive this run's output and can be written, before any work:
 * refuses an existing non-empty folder unless `force`, and makes the staging folder now.
 */
export function claim(dir: string, opts: ClaimOptions = {}): Claim {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new OutputError(`--out ${dir}: exists and is not a folder`, 2);
    if (readdirSync(target).length > 0) {
      if (!opts.force) throw new OutputError(`--out ${dir}: exists and is not empty; pass --force to replace it, or choose another folder`, 2);
      if (!isOutputFolder(target)) throw new OutputError(`--out ${dir}: holds files that are not a run's output (no summary.json); refusing to replace it`, 2);
    }
  }
  const parent = dirname(target);
  let made: string | undefined;
  let staging: string;
  try {
    made = mkdirSync(parent, { recursive: true });
    if (made) madeParents.set(parent, made);
    removeStale(parent, basename(target));
    staging = mkdtempSync(join(parent, `.${basename(target)}.staging-${process.pid}-`));
  } catch (err) {
    if (made) rmSync(made, { recursive: true, force: true });
    throw ioError(`--out ${dir}: cannot write`, err);
  }
  cleanupOnExit();
  pending.add(staging);
  return new Claim(dir, target, staging, made, !!opts.force);
}

export class Claim {
  private done = false;

  constructor(
    readonly dir: string,
    private readonly target: string,
    readonly staging: string,
    private readonly madeParents: string | undefined,
    private readonly force: boolean,
  ) {}

  /** Writes `files` into the staging folder, then renames it into place. */
  commit(files: Iterable<[string, string | Uint8Array]>, finish?: (staging: string) => void): void {
    if (this.done) throw new Error("output folder already committed");
    try {
      for (const [name, data] of files) {
        mkdirSync(dirname(join(this.staging, name)), { recursive: true });
        writeFileSync(join(this.staging, name), data);
      }
      finish?.(this.staging);
    } catch (err) {
      this.abandon();
      throw err instanceof OutputError ? err : ioError(`--out ${this.dir}: cannot write`, err);
    }
    try {
      this.place();
    } catch (err) {
      this.abandon();
      throw err instanceof OutputError ? err : ioError(`--out ${this.dir}: cannot write`, err);
    }
    pending.delete(this.staging);
    madeParents.delete(dirname(this.target));
    this.done = true;
  }

  private place(): void {
    try {
      renameSync(this.staging, this.target);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOTDIR") throw err;
      if (!this.force) throw new OutputError(`--out ${this.dir}: another run wrote this folder while this one ran; nothing written (pass --force to replace it)`, 1);
      if (!statSync(this.target).isDirectory() || !isOutputFolder(this.target)) throw new OutputError(`--out ${this.dir}: holds files that are not a run's output; refusing to replace it`, 2);
    }
    // Replace: move the old folder aside, put the new one in place, then delete the old.
    const old = `${this.staging}.old`;
    renameSync(this.target, old);
    pending.add(old);
    try {
      renameSync(this.staging, this.target);
    } catch (err) {
      renameSync(old, this.target);
      pending.delete(old);
      throw err;
    }
    rmSync(old, { recursive: true, force: true });
    pending.delete(old);
  }

  /** Removes the staging folder (and any parent folders made for it). */
  abandon(): void {
    rmSync(this.staging, { recursive: true, force: true });
    pending.delete(this.staging);
    if (this.madeParents) removeEmpty(this.madeParents);
    this.done = true;
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

  /**
   * Writes every staged file as one folder, through `claim` (made now unless given: a caller
   * that checks the folder before its work passes the claim it made then).
   */
  commit(opts: ClaimOptions & { claim?: Claim; finish?: (staging: string) => void } = {}): string[] {
    const c = opts.claim ?? claim(this.dir, opts);
    c.commit(this.files, opts.finish);
    return this.names();
  }
}
