import test from "ava";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sweep } from "../../sim/sweep/index.js";
import { cli, tempDir } from "../helpers.js";

function slurmUp(): string | undefined {
  try {
    const state = execFileSync("sinfo", ["-h", "-o", "%T"], { encoding: "utf8", timeout: 10_000 });
    return /idle|mixed|allocated/.test(state) ? undefined : `no usable Slurm node (sinfo: ${state.trim() || "empty"})`;
  } catch (err) {
    return `Slurm is not available here (${(err as Error).message.split("\n")[0]}); .ci/run starts a one-node cluster`;
  }
}

const why = slurmUp();
if (why) console.log(`slurm test skipped: ${why}`);

(why ? test.skip : test)("a sweep submitted to Slurm as a job array merges to the same results as the local engine", async (t) => {
  const dir = tempDir();
  const file = join(dir, "s.json");
  writeFileSync(file, JSON.stringify({ name: "s", seed: 3, duration: 200, workloads: [{ kind: "mm1", id: "q", arrivalRate: 0.5, serviceRate: 1 }] }));
  const grid = "workloads.0.arrivalRate=0.3,0.6";
  const sub = cli("sweep", file, "--grid", grid, "--reps", "2", "--engine", "slurm", "--out", join(dir, "slurm"));
  t.is(sub.code, 0, sub.stderr);
  t.regex(sub.stdout, /submitted job \d+ \(4 array tasks\)/);
  const col = cli("collect", join(dir, "slurm"), "--wait");
  t.is(col.code, 0, col.stderr);
  await sweep({ file, out: join(dir, "local"), grid: [{ path: "workloads.0.arrivalRate", values: [0.3, 0.6] }], reps: 2, jobs: 2 });
  for (const f of ["runs.csv", "summary.csv"]) t.is(readFileSync(join(dir, "slurm", f), "utf8"), readFileSync(join(dir, "local", f), "utf8"), f);
});
