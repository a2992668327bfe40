/**
 * A sweep folder knows what it holds: resuming with another grid, other replications or a
 * changed scenario is refused with what changed; a run folder counts as done only if it ran
 * the scenario its plan expects; a second sweep cannot share the folder; failed runs make
 * the sweep exit non-zero.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, csvRecords, root, tempDir } from "../helpers.js";

const scenario = (dir: string, extra: object = {}) => {
  const file = join(dir, "s.json");
  writeFileSync(file, JSON.stringify({ name: "s", seed: 3, duration: 400, workloads: [{ kind: "mm1", id: "q", arrivalRate: 0.5, serviceRate: 1 }], ...extra }));
  return file;
};
const sweep = (file: string, out: string, grid: string, ...more: string[]) => cli("sweep", file, "--grid", `workloads.0.arrivalRate=${grid}`, "--reps", "1", "--jobs", "2", "--out", out, "-q", ...more);

test("resuming with another grid is refused with what changed; the first sweep's results stay; --force starts afresh", (t) => {
  const dir = tempDir();
  const file = scenario(dir), out = join(dir, "D");
  t.is(sweep(file, out, "0.5,0.7").code, 0);
  const before = readFileSync(join(out, "runs.csv"), "utf8");
  const r = sweep(file, out, "0.9,0.7");
  t.is(r.code, 2);
  t.regex(r.stderr, /holds a different sweep: grid workloads\.0\.arrivalRate=0\.5,0\.7 -> workloads\.0\.arrivalRate=0\.9,0\.7/);
  t.is(readFileSync(join(out, "runs.csv"), "utf8"), before);
  t.is(sweep(file, out, "0.9,0.7", "--force").code, 0);
  // Every row's numbers are from its own point: offered load equals the arrival rate.
  for (const row of csvRecords(readFileSync(join(out, "runs.csv"), "utf8"))) {
    t.is(Number(row["q.offered_load"]).toFixed(6), Number(row["workloads.0.arrivalRate"]).toFixed(6));
  }
});

test("resuming after the scenario file changed is refused; the same sweep resumes and reruns only what is missing", (t) => {
  const dir = tempDir();
  const file = scenario(dir), out = join(dir, "D");
  t.is(sweep(file, out, "0.3,0.6").code, 0);
  const again = cli("sweep", file, "--grid", "workloads.0.arrivalRate=0.3,0.6", "--reps", "1", "--jobs", "1", "--out", out);
  t.is(again.code, 0);
  t.regex(again.stderr, /2 runs \(2 already done, 0 failed\)/);
  rmSync(join(out, "runs", "p001-r00"), { recursive: true });
  t.regex(cli("sweep", file, "--grid", "workloads.0.arrivalRate=0.3,0.6", "--reps", "1", "--out", out).stderr, /\(1 already done, 0 failed\)/);
  scenario(dir, { duration: 500 });
  const r = sweep(file, out, "0.3,0.6");
  t.is(r.code, 2);
  t.regex(r.stderr, /the scenario's content changed/);
  t.regex(sweep(file, out, "0.3,0.6", "--reps", "2").stderr, /replications 1 -> 2|scenario's content changed/);
});

test("a run folder counts as done only if it ran the planned scenario", (t) => {
  const dir = tempDir();
  const file = scenario(dir), out = join(dir, "D");
  t.is(sweep(file, out, "0.3,0.6").code, 0);
  // A folder doctored to hold another run's results is rerun, not trusted.
  const summary = join(out, "runs", "p000-r00", "summary.json");
  const s = JSON.parse(readFileSync(summary, "utf8"));
  s.provenance.scenario_sha256 = "0".repeat(64);
  writeFileSync(summary, JSON.stringify(s));
  const r = cli("sweep", file, "--grid", "workloads.0.arrivalRate=0.3,0.6", "--reps", "1", "--out", out);
  t.regex(r.stderr, /\(1 already done, 0 failed\)/);
});

test.serial("a sweep with failed runs exits 1 and says how many and where; so does one where every run failed", (t) => {
  const dir = tempDir();
  const file = scenario(dir);
  process.env.VIRTUOSO_FAIL_RUNS = "p000-r00";
  try {
    const some = sweep(file, join(dir, "some"), "0.3,0.6");
    t.is(some.code, 1);
    t.regex(some.stderr, /1 of 2 runs failed; every error is in the error column of .*runs\.csv/);
    process.env.VIRTUOSO_FAIL_RUNS = "p000-r00,p001-r00";
    const all = sweep(file, join(dir, "all"), "0.3,0.6");
    t.is(all.code, 1);
    t.regex(all.stderr, /2 of 2 runs failed/);
  } finally {
    delete process.env.VIRTUOSO_FAIL_RUNS;
  }
});

test("a folder that is not a sweep is refused; two sweeps cannot share a folder", async (t) => {
  const dir = tempDir();
  const file = scenario(dir, { duration: 20000 });
  writeFileSync(join(dir, "other"), "x");
  t.is(cli("sweep", file, "--out", dir, "-q").code, 2);
  const out = join(dir, "D");
  const first = spawn(process.execPath, [join(root, "bin", "virtuoso.js"), "sweep", file, "--grid", "workloads.0.arrivalRate=0.1,0.2,0.3,0.4", "--jobs", "1", "--out", out, "-q"], { stdio: "ignore" });
  for (let i = 0; i < 400 && !existsSync(join(out, "sweep.lock")); i++) await new Promise((r) => setTimeout(r, 25));
  const second = cli("sweep", file, "--grid", "workloads.0.arrivalRate=0.1,0.2,0.3,0.4", "--jobs", "1", "--out", out, "-q");
  t.is(second.code, 2);
  t.regex(second.stderr, /another sweep \(pid \d+ on .*\) is using this folder/);
  const code = await new Promise((r) => first.on("exit", r));
  t.is(code, 0);
  t.false(existsSync(join(out, "sweep.lock")));
  t.is(readdirSync(join(out, "runs")).length, 4);
});

test("a grid point that is invalid refuses the whole sweep up front, naming the field and the point", (t) => {
  const dir = tempDir();
  const file = scenario(dir), out = join(dir, "D");
  const r = sweep(file, out, "0.5,-1");
  t.is(r.code, 2);
  t.regex(r.stderr, /^workloads\.0\.arrivalRate: .* \(at grid point 1: workloads\.0\.arrivalRate=-1\)$/m);
  t.false(existsSync(out));
});
