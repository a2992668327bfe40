/**
 * What the live VM tests need, and how they skip: with a printed reason, except under CI=1 as
 * root, where a skipped live test is a failure (CI installs everything they need).
 */
import test, { type ExecutionContext } from "ava";
import { probe, type BackendName } from "../../sim/live/backends.js";
import { buildGuest, probeQemu, type Guest } from "../../sim/live/vm/index.js";

let guest: Guest | undefined;
let guestProblem: string | undefined;

/** Builds (or finds cached) the guest once per test file. */
export function theGuest(): { guest?: Guest; why?: string } {
  if (!guest && !guestProblem) {
    try {
      guest = buildGuest();
    } catch (err) {
      guestProblem = `the guest could not be built: ${String((err as { stderr?: Buffer }).stderr ?? err).trim().split("\n").pop()}`;
    }
  }
  return { guest, why: guestProblem };
}

/** Why a live VM test cannot run here, or undefined. */
export function vmProblem(backend: BackendName = "deadline"): string | undefined {
  return probe(backend) ?? probeQemu() ?? theGuest().why;
}

const mustRun = process.env.CI === "1" && process.getuid?.() === 0;

/** `test.serial`, or a skip with the reason printed; a failure under CI=1 as root. */
export function liveTest(title: string, why: string | undefined, fn: (t: ExecutionContext) => Promise<void> | void): void {
  if (!why) return void test.serial(title, fn);
  if (mustRun) return void test.serial(title, (t) => t.fail(`cannot run under CI as root: ${why}`));
  console.log(`${title}: skipped: ${why}`);
  test.skip(title, () => undefined);
}
