import test from "ava";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, readOutput, tempDir } from "../helpers.js";

const small = ["--set", "duration=40"];

test("the same scenario and seed give byte-identical output folders; another seed differs", (t) => {
  const dir = tempDir();
  const a = join(dir, "a"), b = join(dir, "b"), c = join(dir, "c");
  t.is(cli("run", "scenarios/demo.json", "--out", a, ...small).code, 0);
  t.is(cli("run", "scenarios/demo.json", "--out", b, ...small).code, 0);
  t.is(cli("run", "scenarios/demo.json", "--out", c, "--seed", "43", ...small).code, 0);
  const A = readOutput(a), B = readOutput(b), C = readOutput(c);
  t.true(Object.keys(A).some((n) => n.endsWith(".csv")));
  t.true(Object.keys(A).some((n) => n.endsWith(".svg")));
  t.deepEqual(A, B);
  t.notDeepEqual(A["summary.json"], C["summary.json"]);
  t.notDeepEqual(A["desktop.responses.csv"], C["desktop.responses.csv"]);
});

test("summary.json has the run's identity, clock, event count, wall time and metrics", (t) => {
  const out = join(tempDir(), "o");
  t.is(cli("run", "scenarios/demo.json", "--out", out, ...small).code, 0);
  const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.is(s.scenario, "demo");
  t.is(s.seed, 42);
  t.is(s.simulated_s, 40);
  t.true(s.events > 0);
  t.is(typeof s.wall_s, "number");
  t.is(typeof s.metrics.app.mean_superstep_s, "number");
  t.false(readdirSync(out).some((n) => n.includes(".tmp-")));
});

test("--set overrides fields and reaches the model", (t) => {
  const out = join(tempDir(), "o");
  t.is(cli("run", "scenarios/demo.json", "--out", out, ...small, "--set", "workloads.0.pattern=all-to-all").code, 0);
  const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.is(s.metrics.app.messages_per_superstep, 12);
});

test("a failed run writes nothing: bad input leaves no output folder", (t) => {
  const out = join(tempDir(), "o");
  const r = cli("run", "scenarios/demo.json", "--out", out, "--set", "duration=-5");
  t.is(r.code, 2);
  t.false(existsSync(out));
});

test("--help works and unknown commands are usage errors (exit 2)", (t) => {
  const help = cli("--help");
  t.is(help.code, 0);
  t.regex(help.stdout, /run \[options\] <scenario>/);
  t.is(cli("frobnicate").code, 2);
});
