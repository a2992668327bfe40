/**
 * Threads as the kernel sees them: CPU time from /proc/PID/task/TID/schedstat (nanoseconds),
 * else stat (ticks), and a start time that tells a thread from a later one with the same id.
 */
import { readdirSync, readFileSync } from "node:fs";

const CLK_TCK = 100;

/** Fields of /proc/.../stat after the command name (field 3 is index 0). */
function statFields(path: string): string[] | undefined {
  try {
    const s = readFileSync(path, "utf8");
    return s.slice(s.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** CPU seconds a thread has run; NaN once it is gone. */
export function threadCpuSeconds(pid: number, tid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
  } catch {
    const f = statFields(`/proc/${pid}/task/${tid}/stat`);
    return f ? (Number(f[11]) + Number(f[12])) / CLK_TCK : NaN;
  }
}

export function threadIds(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

export function threadName(pid: number, tid: number): string {
  try {
    return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** Start time in clock ticks since boot: with the id, it names one task for good. */
export function startTime(tid: number): number | undefined {
  const f = statFields(`/proc/${tid}/stat`);
  return f ? Number(f[19]) : undefined;
}

/** Scheduling policy number (6 is SCHED_DEADLINE); undefined once gone. */
export function policy(tid: number): number | undefined {
  const f = statFields(`/proc/${tid}/stat`);
  return f ? Number(f[38]) : undefined;
}

/** Whether `tid` still is the task that had `start` as its start time. */
export function sameTask(tid: number, start: number | undefined): boolean {
  return start !== undefined && startTime(tid) === start;
}

/**
 * Waits until every thread's CPU time has advanced (a change of class or group must not leave
 * a vCPU parked), polling; returns the threads that did not within `timeout` seconds.
 */
export async function advancing(pid: number, tids: number[], timeout = 5): Promise<number[]> {
  const before = new Map(tids.map((t) => [t, threadCpuSeconds(pid, t)]));
  const end = Date.now() + timeout * 1000;
  let stuck = tids;
  while (stuck.length && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    stuck = stuck.filter((t) => !(threadCpuSeconds(pid, t) > before.get(t)!));
  }
  return stuck;
}
