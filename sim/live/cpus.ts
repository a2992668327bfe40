/**
 * Which CPUs a thread may run on and at which scheduling class, read from /proc and changed
 * with util-linux's taskset and chrt: what the `signals` dispatcher needs to outrank the
 * workers it dispatches, and to put itself back afterwards.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** "0-2,5" -> [0, 1, 2, 5]. */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.trim().split(",").filter(Boolean)) {
    const [a, b] = part.split("-").map(Number);
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}

/** CPUs this process may use (its cpuset and affinity). */
export function allowedCpus(pid: number | "self" = "self"): number[] {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^Cpus_allowed_list:\s*(\S+)/m);
  return m ? parseCpuList(m[1]) : [];
}

/** A thread's scheduling class and affinity, as chrt and taskset take them back. */
export interface ThreadPlacement {
  tid: number;
  /** chrt's flag for the policy: --other, --fifo, --rr, --batch, --idle. */
  policy: string;
  priority: number;
  cpus: string;
}

const POLICIES: Record<number, string> = { 0: "--other", 1: "--fifo", 2: "--rr", 3: "--batch", 5: "--idle" };

/** Reads a thread's class (field 41 of stat), real-time priority (40) and affinity. */
export function placement(tid: number): ThreadPlacement {
  const stat = readFileSync(`/proc/${tid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const policy = POLICIES[Number(f[38])];
  if (!policy) throw new Error(`live: thread ${tid} has scheduling policy ${f[38]}, which cannot be put back with chrt`);
  const cpus = readFileSync(`/proc/${tid}/status`, "utf8").match(/^Cpus_allowed_list:\s*(\S+)/m)?.[1] ?? "";
  return { tid, policy, priority: Number(f[37]), cpus };
}

/** Pins one thread (not its siblings) and gives it a real-time class; children it forks start
 * as SCHED_OTHER (reset-on-fork), so helpers it runs do not inherit its priority. */
export function raise(tid: number, cpu: number, priority: number): void {
  execFileSync("taskset", ["-p", "-c", String(cpu), String(tid)], { stdio: "ignore" });
  execFileSync("chrt", ["--reset-on-fork", "--fifo", "-p", String(priority), String(tid)], { stdio: ["ignore", "ignore", "pipe"] });
}

/** Puts a thread back as `placement` found it. */
export function putBack(p: ThreadPlacement): void {
  execFileSync("chrt", [p.policy, "-p", String(p.policy === "--fifo" || p.policy === "--rr" ? p.priority : 0), String(p.tid)], { stdio: "ignore" });
  if (p.cpus) execFileSync("taskset", ["-p", "-c", p.cpus, String(p.tid)], { stdio: "ignore" });
}
