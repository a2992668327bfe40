/**
 * UUCS borrowing for real: borrower processes hold the testcase's level of CPU, memory or
 * disk while the person works; a line on the discomfort stream (Enter) stops it and records
 * the level. Every borrower (and the disk borrower's folder) is journaled before it is
 * created and undone on exit, error or signal; `virtuoso live --cleanup` undoes what a killed
 * run left. Borrowers also die with the run (parent-death signal, and stdin closing).
 */
import { nodeProgram } from "../source/index.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { levelAt, type Testcase } from "../uucs/testcase.js";
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

export async function runUucsLive(tc: Testcase, opts: UucsLiveOptions = {}): Promise<UucsLiveResult> {
  const journal = new Journal();
  const children: ChildProcess[] = [];
  const undo = () => {
    for (const c of children) c.stdin?.destroy();
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
    let dir = "";
    if (tc.resource === "disk") {
      dir = join(tmpdir(), `virtuoso-uucs-${process.pid}-${process.hrtime.bigint()}`);
      journal.add({ kind: "dir", path: dir });
      mkdirSync(dir, { mode: 0o700 });
    }
    const count = tc.resource === "cpu" ? tc.threads : 1;
    for (let i = 0; i < count; i++) {
      const mark = `virtuoso-uucs-${process.pid}-${i}`;
      journal.add({ kind: "process", mark });
      const args = [...(tc.resource === "memory" ? ["--max-old-space-size=64"] : []), ...borrowerProgram.execArgv, borrowerProgram.file, tc.resource, mark, dir];
      const child = spawn("setpriv", ["--pdeathsig", "KILL", "--", process.execPath, ...args], { stdio: ["pipe", "ignore", "inherit"] });
      child.stdin!.on("error", () => {});
      if (child.pid) journal.process(child.pid);
      children.push(child);
    }
    const pids = children.map((c) => c.pid!).filter(Boolean);
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
      for (const c of children) c.stdin!.write(`${level}\n`);
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
