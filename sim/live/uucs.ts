/**
 * UUCS borrowing for real: borrower processes hold the testcase's level of CPU, memory or
 * disk while the person works; a line on the discomfort stream (Enter) stops it and records
 * the level. Every borrower (and the disk borrower's folder) is journaled before it is
 * created and undone on exit, error or signal; `virtuoso live --cleanup` undoes what a killed
 * run left. Borrowers also die with the run (parent-death signal, and stdin closing).
 */
import { nodeProgram } from "../source/index.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { levelAt, type Borrower, type Testcase } from "../uucs/index.js";
import { Journal } from "./journal.js";

const borrowerProgram = nodeProgram(new URL("./uucs-borrower.ts", import.meta.url));

export interface UucsLiveResult {
  testcase: string;
  resource: Testcase["resource"];
  discomfort: boolean;
  /** Level when the person signalled discomfort (or the last level). */
  level: number;
  /** Seconds into the testcase. */
  at_s: number;
  /** Borrower process ids, for whoever wants to measure them. */
  pids: number[];
  levels: [number, number][];
}

export interface UucsLiveOptions {
  /** Resolves when the person signals discomfort. */
  discomfort?: Promise<void>;
  /** Called once the borrowers run (with their pids). */
  started?: (pids: number[]) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** A testcase's borrower processes, started now; the session drives their level. */
export interface LiveBorrowers extends Borrower {
  readonly pids: number[];
}

let spawned = 0;

/**
 * Starts the borrower processes of `tc` (one per CPU thread, else one), each journaled in
 * `journal` before it exists, as is the disk borrower's folder. `end` stops them and removes
 * the folder; the journal undoes whatever a crash leaves.
 */
export function spawnBorrowers(tc: Testcase, journal: Journal): LiveBorrowers {
  const tag = spawned++;
  const children: ChildProcess[] = [];
  let dir = "";
  if (tc.resource === "disk") {
    dir = join(tmpdir(), `virtuoso-uucs-${process.pid}-${tag}-${process.hrtime.bigint()}`);
    journal.add({ kind: "dir", path: dir });
    mkdirSync(dir, { mode: 0o700 });
  }
  const count = tc.resource === "cpu" ? tc.threads : 1;
  for (let i = 0; i < count; i++) {
    const mark = `virtuoso-uucs-${process.pid}-${tag}-${i}`;
    journal.add({ kind: "process", mark });
    // --expose-gc: the memory borrower collects what it gives back at once; its big buffers are
    // mapped (not heap) so that returns them to the kernel (uucs-borrower.ts).
    const args = ["--expose-gc", ...(tc.resource === "memory" ? ["--max-old-space-size=64", "--max-semi-space-size=1", "--no-memory-reducer"] : []), ...borrowerProgram.execArgv, borrowerProgram.file, tc.resource, mark, dir];
    const child = spawn("setpriv", ["--pdeathsig", "KILL", "--", process.execPath, ...args], { stdio: ["pipe", "ignore", "inherit"], env: { ...process.env, MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD) } });
    child.stdin!.on("error", () => {});
    if (child.pid) journal.process(child.pid);
    children.push(child);
  }
  let ended = false;
  return {
    pids: children.map((c) => c.pid!).filter(Boolean),
    level(x) {
      if (!ended) for (const c of children) c.stdin!.write(`${x}\n`);
    },
    end() {
      if (ended) return;
      ended = true;
      for (const c of children) {
        c.stdin?.destroy();
        c.kill("SIGKILL");
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** glibc maps every allocation this big on its own (and unmaps it when freed): a fixed
 * threshold also stops glibc raising it after the first free, which kept freed chunks resident. */
export const MMAP_THRESHOLD = 1 << 16;

export async function runUucsLive(tc: Testcase, opts: UucsLiveOptions = {}): Promise<UucsLiveResult> {
  const journal = new Journal();
  let borrowers: LiveBorrowers | undefined;
  const undo = () => {
    borrowers?.end();
    journal.undo();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    undo();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", undo);
  try {
    borrowers = spawnBorrowers(tc, journal);
    const pids = borrowers.pids;
    opts.started?.(pids);
    let stopped = false;
    opts.discomfort?.then(() => (stopped = true));
    const levels: [number, number][] = [];
    const t0 = performance.now();
    let level = 0;
    let at = 0;
    for (let k = 0; ; k++) {
      at = k * tc.interval;
      if (stopped || at > tc.duration) break;
      level = levelAt(tc, at);
      levels.push([at, level]);
      borrowers.level(level);
      await sleep(t0 + (k + 1) * tc.interval * 1000 - performance.now());
    }
    if (stopped) at = (performance.now() - t0) / 1000;
    return { testcase: tc.name, resource: tc.resource, discomfort: stopped, level, at_s: Math.min(at, tc.duration), pids, levels };
  } finally {
    undo();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", undo);
  }
}
