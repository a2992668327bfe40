/**
 * A sweep folder knows what it holds: `sweep.json` records the scenario's content hash, the
 * grid, the replications, the tool version and every planned run with its own scenario hash.
 * Resuming with anything different is refused with what changed; a run counts as done only
 * if its folder's summary carries the hash its plan expects. `sweep.lock` keeps a second
 * sweep out of a folder while one works in it.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { alive, ioError, OutputError, writeAtomic } from "../../analysis/output.js";
import type { GridAxis, PlannedRun } from "./plan.js";

export interface ManifestRun extends PlannedRun {
  /** Content hash of this run's resolved scenario. */
  sha256: string;
}

export interface Manifest {
  tool: string;
  version: string;
  file: string;
  scenario_sha256: string;
  grid: GridAxis[];
  reps: number;
  runs: ManifestRun[];
  /** Slurm job id, once submitted. */
  job?: string;
}

export function readManifest(dir: string): Manifest | undefined {
  const f = join(dir, "sweep.json");
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, "utf8")) as Manifest;
  } catch {
    throw new OutputError(`${dir}/sweep.json: not a sweep manifest (cannot parse it); pass --force to start afresh`, 2);
  }
}

/** What differs between the folder's sweep and the one asked for, one phrase each. */
export function differences(old: Manifest, now: Manifest): string[] {
  const out: string[] = [];
  if (old.version !== now.version) out.push(`tool version ${old.version} -> ${now.version}`);
  if (old.scenario_sha256 !== now.scenario_sha256) out.push(`the scenario's content changed (sha256 ${old.scenario_sha256?.slice(0, 12)} -> ${now.scenario_sha256.slice(0, 12)})`);
  if (JSON.stringify(old.grid) !== JSON.stringify(now.grid)) out.push(`grid ${describe(old.grid)} -> ${describe(now.grid)}`);
  if (old.reps !== now.reps) out.push(`replications ${old.reps} -> ${now.reps}`);
  return out;
}

function describe(grid: GridAxis[] | undefined): string {
  return (grid ?? []).map((g) => `${g.path}=${g.values.map((v) => JSON.stringify(v)).join(",")}`).join(" ") || "(none)";
}

/**
 * Makes `dir` this sweep's folder: new, or the same sweep resumed, or (force) emptied and
 * started afresh. Refuses a folder holding something else or a different sweep.
 */
export function claimSweepFolder(dir: string, manifest: Manifest, force: boolean): void {
  const abs = resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0) {
    const old = (() => {
      try {
        return readManifest(abs);
      } catch (err) {
        if (force) return undefined;
        throw err;
      }
    })();
    if (!old && !existsSync(join(abs, "sweep.json"))) {
      throw new OutputError(`--out ${dir}: exists and is not a sweep folder (no sweep.json); choose another folder`, 2);
    }
    const changed = old ? differences(old, manifest) : ["unreadable manifest"];
    if (changed.length && !force) {
      throw new OutputError(`--out ${dir}: holds a different sweep: ${changed.join("; ")}; pass --force to discard it and start afresh, or choose another folder`, 2);
    }
    if (changed.length) {
      takeLock(abs);
      for (const name of readdirSync(abs)) if (name !== "sweep.lock") rmSync(join(abs, name), { recursive: true, force: true });
    }
  }
  try {
    mkdirSync(abs, { recursive: true });
  } catch (err) {
    throw ioError(`--out ${dir}: cannot write`, err);
  }
  takeLock(abs);
  try {
    writeAtomic(join(abs, "sweep.json"), JSON.stringify(manifest, null, 2) + "\n");
  } catch (err) {
    throw ioError(`--out ${dir}: cannot write`, err);
  }
}

const held = new Set<string>();

/** An exclusive lock file holding `host pid`; a lock left by a dead process on this host is taken over. */
export function takeLock(dir: string): void {
  const file = join(dir, "sweep.lock");
  if (held.has(file)) return;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, `${hostname()} ${process.pid}\n`);
      closeSync(fd);
      held.add(file);
      if (held.size === 1) process.on("exit", () => held.forEach((f) => rmSync(f, { force: true })));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw ioError(`--out ${dir}: cannot write`, err);
      const [host, pid] = readFileSync(file, "utf8").trim().split(" ");
      if (host === hostname() && !alive(Number(pid))) {
        rmSync(file, { force: true });
        continue;
      }
      throw new OutputError(`--out ${dir}: another sweep (pid ${pid} on ${host}) is using this folder; wait for it, or remove ${file} if it is gone`, 2);
    }
  }
}

export function releaseLock(dir: string): void {
  const file = join(resolve(dir), "sweep.lock");
  if (held.delete(file)) rmSync(file, { force: true });
}
