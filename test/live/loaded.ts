/**
 * The signals backend refuses a run whose dispatcher's timers ran later than it can trust
 * ("machine too loaded"): an honest verdict on the machine at that moment, not a wrong number.
 * A test of what such a run measures tries once more when it gets that verdict, and says so.
 */
import type { ExecutionContext } from "ava";
import { MachineTooLoaded } from "../../sim/live/index.js";

export async function unlessTooLoaded<T>(t: ExecutionContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof MachineTooLoaded)) throw e;
    t.log(`${e.message}; once more`);
    return run();
  }
}

/** The same for a `virtuoso live` command line: once more if it exited for that reason. */
export function cliUnlessTooLoaded<R extends { code: number | null; stderr: string }>(t: ExecutionContext, run: () => R): R {
  const r = run();
  if (r.code === 0 || !/machine too loaded/.test(r.stderr)) return r;
  t.log(`${r.stderr.trim()}; once more`);
  return run();
}
