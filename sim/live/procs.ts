/**
 * Real processes a live scenario starts as its "VMs", and what the kernel says they used.
 * Only processes started here are ever signalled, re-scheduled or put in cgroups.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const CLK_TCK = 100;

export class LiveProcess {
  constructor(readonly name: string, readonly child: ChildProcess) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** Thread ids (a VM's vCPU threads would be listed the same way). */
  threads(): number[] {
    try {
      return readdirSync(`/proc/${this.pid}/task`).map(Number);
    } catch {
      return [];
    }
  }

  /** CPU seconds used by all its threads, in nanoseconds' precision (schedstat), else ticks (stat). */
  cpuSeconds(): number {
    let total = 0;
    for (const tid of this.threads()) {
      try {
        total += Number(readFileSync(`/proc/${this.pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
      } catch {
        try {
          const stat = readFileSync(`/proc/${this.pid}/task/${tid}/stat`, "utf8");
          const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          total += (Number(f[11]) + Number(f[12])) / CLK_TCK;
        } catch {
          // Thread gone.
        }
      }
    }
    return total;
  }

  signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // Already gone.
    }
  }
}

/** Marks our workers' command lines, so a test can tell none is left behind. */
export const WORKER_MARK = "virtuoso-live-worker";

/** The mark of one run's workers: WORKER_MARK and the pid of the process that ran it. */
export const workerMark = (runPid: number) => `${WORKER_MARK} ${runPid};`;

/**
 * A CPU-bound worker: one single-threaded shell loop (so a per-thread mechanism such as
 * SCHED_DEADLINE applies to exactly the thread that computes), optionally pinned.
 */
export function spawnCpuBound(name: string, cpus?: string): LiveProcess {
  const loop = ["sh", "-c", `while :; do :; done # ${workerMark(process.pid)}`];
  // setpriv --pdeathsig: the worker dies with the run even when the run is SIGKILLed.
  const child = spawn("setpriv", ["--pdeathsig", "KILL", "--", ...(cpus ? ["taskset", "-c", cpus] : []), ...loop], { stdio: "ignore" });
  return new LiveProcess(name, child);
}
