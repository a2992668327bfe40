/**
 * What the console tests share: a steered run's scenario, run again, gives the same files
 * (summary.json's provenance command aside, which names the other folder), and polling.
 */
import type { ExecutionContext } from "ava";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { readOutput, root } from "../helpers.js";

const bin = join(root, "bin", "virtuoso.js");

export function assertReplayIdentical(t: ExecutionContext, out: string, replay: string): void {
  const r = spawnSync(process.execPath, [bin, "run", join(out, "scenario.json"), "-o", replay, "-q"], { encoding: "utf8" });
  t.is(r.status, 0, r.stderr);
  const a = readOutput(out), b = readOutput(replay);
  const strip = (s: string) => {
    const j = JSON.parse(s);
    delete j.provenance?.command;
    return JSON.stringify(j);
  };
  a["summary.json"] = strip(a["summary.json"]);
  b["summary.json"] = strip(b["summary.json"]);
  t.deepEqual(Object.keys(a), Object.keys(b));
  for (const k of Object.keys(a)) t.is(a[k], b[k], k);
}

export async function waitFor<T>(f: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
