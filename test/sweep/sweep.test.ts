import test from "ava";
import fc from "fast-check";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deriveSeed, plan, sweep } from "../../sim/sweep/index.js";
import { cli, root, tempDir } from "../helpers.js";

const small = (dir: string) => {
  const file = join(dir, "s.json");
  writeFileSync(file, JSON.stringify({ name: "s", seed: 7, duration: 300, workloads: [{ kind: "mm1", id: "q", arrivalRate: 0.5, serviceRate: 1 }] }));
  return file;
};

test("seeds derived for different grid points and replications do not collide", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (base) => {
      const seen = new Set<number>();
      for (let p = 0; p < 60; p++) for (let r = 0; r < 60; r++) seen.add(deriveSeed(base, p, r));
      return seen.size === 3600 && [...seen].every((s) => Number.isSafeInteger(s) && s >= 0);
    }),
    { numRuns: 20 },
  );
  const runs = plan(1, [{ path: "a", values: [1, 2, 3] }, { path: "b", values: ["x", "y"] }], 4);
  t.is(runs.length, 24);
  t.deepEqual(runs[5].values, { a: 1, b: "y" });
  // Adding replications leaves the existing runs' seeds alone.
  t.deepEqual(plan(1, [{ path: "a", values: [1, 2, 3] }], 2).map((r) => r.seed), plan(1, [{ path: "a", values: [1, 2, 3] }], 5).filter((r) => r.rep < 2).map((r) => r.seed));
});

test("a sweep writes one row per run and a summary with confidence intervals per grid point", async (t) => {
  const dir = tempDir();
  const out = join(dir, "out");
  const recs = await sweep({ file: small(dir), out, grid: [{ path: "workloads.0.arrivalRate", values: [0.3, 0.6] }], reps: 3, jobs: 2 });
  t.is(recs.length, 6);
  t.true(recs.every((r) => r.ok));
  const runs = readFileSync(join(out, "runs.csv"), "utf8").trim().split("\n");
  t.is(runs.length, 7);
  const summary = readFileSync(join(out, "summary.csv"), "utf8");
  const row = summary.split("\n").find((l) => l.startsWith("0,0.3,q.offered_load,"))!;
  t.is(row, "0,0.3,q.offered_load,3,0.3,0,0.3,0.3");
});

test.serial("a run that fails mid-run is recorded with its error and the sweep goes on", async (t) => {
  const dir = tempDir();
  const file = small(dir);
  // The worker's failure hook stands in for a model bug that only shows while simulating.
  process.env.VIRTUOSO_FAIL_RUNS = "p001-r00,p001-r01";
  try {
    const recs = await sweep({ file, out: join(dir, "out"), grid: [{ path: "workloads.0.arrivalRate", values: [0.3, 0.6] }], reps: 2, jobs: 2 });
    t.deepEqual(recs.map((r) => r.ok), [true, true, false, false]);
    t.regex(recs[2].error!, /injected failure in run p001-r00/);
    t.regex(readFileSync(join(dir, "out", "runs.csv"), "utf8"), /failed/);
    // A failed run leaves no folder behind.
    t.false(existsSync(join(dir, "out", "runs", "p001-r00")));
  } finally {
    delete process.env.VIRTUOSO_FAIL_RUNS;
  }
});

test("resuming a sweep killed halfway gives the same summary.csv as an uninterrupted run", async (t) => {
  const dir = tempDir();
  const file = small(dir);
  const grid = [{ path: "workloads.0.arrivalRate", values: [0.2, 0.4, 0.6, 0.8] }];
  await sweep({ file, out: join(dir, "whole"), grid, reps: 3, jobs: 2 });
  // Start the same sweep from the CLI, kill it once some runs are done, then resume. A run is
  // done once its folder is in place: a staging folder (".ID.staging-*") holding a summary is not.
  const part = join(dir, "part");
  const child = spawn(process.execPath, [join(root, "bin/virtuoso.js"), "sweep", file, "--grid", "workloads.0.arrivalRate=0.2,0.4,0.6,0.8", "--reps", "3", "--jobs", "1", "--out", part, "-q"], { stdio: "ignore" });
  const doneRuns = () => (existsSync(join(part, "runs")) ? readdirSync(join(part, "runs")).filter((d) => !d.startsWith(".") && existsSync(join(part, "runs", d, "summary.json"))).length : 0);
  for (let i = 0; i < 600 && doneRuns() < 3; i++) await new Promise((r) => setTimeout(r, 50));
  child.kill("SIGKILL");
  await new Promise((r) => child.on("exit", r));
  // A worker busy when its parent was killed finishes that run (whole) before it notices:
  // count once the folder has stopped changing.
  let before = doneRuns();
  for (let stable = 0, i = 0; stable < 10 && i < 200; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = doneRuns();
    stable = now === before ? stable + 1 : 0;
    before = now;
  }
  t.true(before >= 3 && before < 12, `${before} runs done before the kill`);
  const recs = await sweep({ file, out: part, grid, reps: 3, jobs: 2 });
  t.is(recs.filter((r) => r.resumed).length, before);
  t.is(readFileSync(join(part, "summary.csv"), "utf8"), readFileSync(join(dir, "whole", "summary.csv"), "utf8"));
});

test("a scenario's own sweep block is what `virtuoso sweep` runs when no --grid is given", (t) => {
  const dir = tempDir();
  const file = join(dir, "s.json");
  writeFileSync(file, JSON.stringify({ name: "s", duration: 100, workloads: [{ kind: "mm1", id: "q", arrivalRate: 0.5, serviceRate: 1 }], sweep: { grid: [{ path: "workloads.0.serviceRate", values: [1, 2] }], reps: 2 } }));
  const r = cli("sweep", file, "--jobs", "1", "--out", join(dir, "out"), "-q");
  t.is(r.code, 0, r.stderr);
  const rows = readFileSync(join(dir, "out", "runs.csv"), "utf8").trim().split("\n");
  t.is(rows.length, 5);
  t.regex(rows[0], /workloads\.0\.serviceRate/);
});
