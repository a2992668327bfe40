/**
 * One UUCS testcase at a time, started and stopped by hand (a steering action): its level
 * follows the profile at start + j x interval, and it ends by itself after its duration. What
 * the borrowing does is the `Borrower`'s: external CPU load on a simulated host, or real
 * borrower processes live. The same object runs on the simulated and the wall clock.
 */
import type { Admission, Clock } from "../ports/index.js";
import { levelAt, type Testcase } from "./testcase.js";

export type BorrowState = "running" | "stopped" | "ended";

/** What borrows: holds a level (the testcase's unit) until the next, and gives it all back at `end`. */
export interface Borrower {
  level(level: number): void;
  end(): void;
}

export interface BorrowNow {
  testcase: Testcase;
  state: BorrowState;
  /** Clock time the testcase started, and when it stopped or ended. */
  since: number;
  until?: number;
  /** The level held now (0 once stopped or ended) and the last level held. */
  level: number;
  last: number;
}

export interface BorrowRow {
  t: number;
  testcase: string;
  resource: Testcase["resource"];
  level: number;
  state: BorrowState;
}

export class UucsSession {
  current: BorrowNow | undefined;
  /** Bumped by every start and stop: a level change of an earlier testcase is then ignored. */
  private generation = 0;
  private borrower: Borrower | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly open: (tc: Testcase) => Borrower,
    private readonly record: (row: BorrowRow) => void = () => {},
  ) {}

  start(tc: Testcase): Admission {
    const c = this.current;
    if (c?.state === "running") return { admitted: false, reason: `testcase "${c.testcase.name}" is running (since t=${round(c.since)} s); stop it first` };
    const g = ++this.generation;
    const t0 = this.clock.now;
    const borrower = this.open(tc);
    const now: BorrowNow = { testcase: tc, state: "running", since: t0, level: 0, last: 0 };
    this.current = now;
    this.borrower = borrower;
    // Level j at t0 + j x interval while that is before the end (times from the index, not summed).
    const step = (j: number) => {
      if (g !== this.generation) return;
      const at = j * tc.interval;
      if (at >= tc.duration) return this.finish("ended");
      const level = levelAt(tc, at);
      borrower.level(level);
      // A row where the level changes (a step's plateau is one row).
      if (j === 0 || level !== now.level) this.record({ t: this.clock.now, testcase: tc.name, resource: tc.resource, level, state: "running" });
      now.level = now.last = level;
      const next = (j + 1) * tc.interval;
      this.clock.at(t0 + Math.min(next, tc.duration), () => step(j + 1));
    };
    step(0);
    return { admitted: true };
  }

  stop(): Admission {
    if (this.current?.state !== "running") return { admitted: false, reason: "no UUCS testcase is running" };
    this.finish("stopped");
    return { admitted: true };
  }

  private finish(state: "stopped" | "ended"): void {
    const c = this.current!;
    this.generation++;
    c.state = state;
    c.level = 0;
    c.until = this.clock.now;
    this.borrower?.end();
    this.borrower = undefined;
    this.record({ t: this.clock.now, testcase: c.testcase.name, resource: c.testcase.resource, level: 0, state });
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
