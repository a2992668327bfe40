/** What /proc says about processes a live run started: independent of the run's own records. */
import { readdirSync, readFileSync } from "node:fs";

const pids = () => readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);

/** Processes with an argument ending in `mark`. */
export function processesWith(mark: string): number[] {
  return pids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").some((a) => a.endsWith(mark));
    } catch {
      return false;
    }
  });
}

/** Children of `parent` (by stat's ppid). */
export function childrenOf(parent: number): number[] {
  return pids().filter((pid) => stat(pid)?.[1] === String(parent));
}

/** A process's scheduling policy (0 other, 1 fifo, 6 deadline), undefined once gone. */
export function policy(pid: number): number | undefined {
  const f = stat(pid);
  return f ? Number(f[38]) : undefined;
}

/** Whether the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  const f = stat(pid);
  return f !== undefined && f[0] !== "Z";
}

/** stat fields from the state (field 3) on. */
function stat(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}
