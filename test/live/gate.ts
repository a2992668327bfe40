/**
 * Live tests run where the machine allows and skip, saying why, where it does not; but under
 * CI=1 as root, where every live test is meant to run, a test that would skip fails instead,
 * so a missing tool or a broken probe cannot pass CI unnoticed.
 */
import test, { type ExecutionContext } from "ava";

export type Gate = "run" | "skip" | "fail";

export function gate(why: string | undefined, ci = process.env.CI, uid = process.getuid?.()): Gate {
  if (!why) return "run";
  return ci === "1" && uid === 0 ? "fail" : "skip";
}

/** A serial live test, run, skipped or failed by `gate`. */
export function liveTest(title: string, why: string | undefined, fn: (t: ExecutionContext) => Promise<void> | void): void {
  const g = gate(why);
  if (g === "run") test.serial(title, fn);
  else if (g === "fail") test.serial(title, (t) => t.fail(`would skip under CI as root: ${why}`));
  else {
    console.log(`skipped: ${title}: ${why}`);
    test.skip(title, fn);
  }
}
