import test from "ava";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compare, CompareError, differences } from "../../analysis/compare.js";
import { cli, tempDir } from "../helpers.js";

test("compare pairs each VM's simulated CPU share and each application's rate with the live measurement", (t) => {
  const dir = tempDir();
  mkdirSync(join(dir, "sim"));
  mkdirSync(join(dir, "live"));
  writeFileSync(join(dir, "sim", "summary.json"), JSON.stringify({ scenario: "s", simulated_s: 10, metrics: { vsched: { "p1.cpu_share": 0.3, "p2.cpu_share": 0.2 }, app: { supersteps: 50 } } }));
  writeFileSync(join(dir, "live", "summary.json"), JSON.stringify({ scenario: "s", backend: "signals", metrics: { p1: { measured_share: 0.31 }, p2: { measured_share: 0.19 }, batch: { measured_share: 0.5 }, app: { supersteps: 48, rate: 4.8 } } }));
  for (const d of ["sim", "live"]) writeFileSync(join(dir, d, "scenario.json"), JSON.stringify(scenarioDoc));
  const c = compare(join(dir, "sim"), join(dir, "live"));
  t.deepEqual(c.rows.map((r) => [r.quantity, r.predicted, r.measured]), [
    ["p1 CPU share", 0.3, 0.31],
    ["p2 CPU share", 0.2, 0.19],
    ["app supersteps/s", 5, 4.8],
  ]);
  t.true(Math.abs(c.rows[0].difference - 0.01) < 1e-12);
  t.is((c.svg.match(/class="marker"/g) ?? []).length, 3);
  for (const q of ["p1 CPU share", "p2 CPU share", "app supersteps/s"]) t.regex(c.svg, new RegExp(`>${q}</text>`), "each point is labelled");
  t.regex(c.csv, /^quantity,predicted,measured,difference\n/);
});

const scenarioDoc = { name: "s", seed: 1, duration: 10, vms: [{ id: "p1", host: "h" }], workloads: [{ kind: "batch", id: "w", vm: "p1" }] };

function pair(simDoc: object, liveDoc: object, scenarios: [object, object] = [scenarioDoc, scenarioDoc]): [string, string] {
  const dir = tempDir();
  for (const [i, [name, doc]] of ([["a", simDoc], ["b", liveDoc]] as const).entries()) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "summary.json"), JSON.stringify(doc));
    writeFileSync(join(dir, name, "scenario.json"), JSON.stringify(scenarios[i]));
  }
  return [join(dir, "a"), join(dir, "b")];
}

const simDoc = { scenario: "s", simulated_s: 10, metrics: { vsched: { "p1.cpu_share": 0.3 } } };
const liveDoc = { scenario: "s", backend: "signals", metrics: { p1: { measured_share: 0.31 } } };

test("compare refuses swapped arguments, two runs of one kind, different scenarios and pairs with nothing in common", (t) => {
  const cases: [object, object, RegExp][] = [
    [liveDoc, simDoc, /arguments are swapped: .*\/a is a live run \(backend signals\) and .*\/b is a simulated run/],
    [simDoc, simDoc, /\/b is a simulated run; the second argument must be the output of `virtuoso live`/],
    [liveDoc, liveDoc, /\/a is a live run \(backend signals\); the first argument/],
    [simDoc, { ...liveDoc, scenario: "other" }, /different scenarios: .*ran "s", .*ran "other"/],
    [{ ...simDoc, metrics: {} }, liveDoc, /nothing to compare/],
  ];
  for (const [a, b, message] of cases) {
    const [x, y] = pair(a, b);
    t.throws(() => compare(x, y), { instanceOf: CompareError, message });
  }
  t.is(compare(...pair(simDoc, liveDoc)).rows.length, 1);
  // On the command line: exit 2 with the message alone, and nothing written.
  const [x, y] = pair(liveDoc, simDoc);
  const r = cli("compare", x, y);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /^compare: the arguments are swapped/);
  t.notRegex(r.stderr, /at .*\.ts:/, "no stack trace");
  t.false(existsSync(join(y, "compare.csv")));
});

test("compare refuses two versions of one scenario, naming where they differ, but not a different live section or seed", (t) => {
  const edited = { ...scenarioDoc, duration: 20, workloads: [{ kind: "batch", id: "w", vm: "p1", ops: 5 }] };
  const e = t.throws(() => compare(...pair(simDoc, liveDoc, [scenarioDoc, edited])), { instanceOf: CompareError })!;
  t.regex(e.message, /different versions of "s": their scenario.json differ at duration, workloads\.0\.ops$/);
  t.is(compare(...pair(simDoc, liveDoc, [scenarioDoc, { ...scenarioDoc, seed: 7, live: { backend: "deadline" } }])).rows.length, 1);
  const [x, y] = pair(simDoc, liveDoc);
  rmSync(join(y, "scenario.json"));
  t.throws(() => compare(x, y), { instanceOf: CompareError, message: /\/b\/scenario.json: cannot read the scenario the run ran/ });
});

test("differences finds every differing path, including added, removed and retyped fields", (t) => {
  t.deepEqual(differences({ a: 1, b: [1, 2], c: { d: "x" } }, { a: 1, b: [1, 3], c: { d: "x" } }), ["b.1"]);
  t.deepEqual(differences({ a: 1 }, { a: 1, e: null }), ["e"]);
  t.deepEqual(differences({ a: [1] }, { a: { 0: 1 } }), ["a"]);
  t.deepEqual(differences({ a: [1, 2] }, { a: [1] }), ["a.1"]);
  t.deepEqual(differences({ live: 1, seed: 2, x: { live: 1 } }, { live: 2, seed: 3, x: { live: 2 } }), ["x.live"], "only the top-level live and seed are ignored");
});

test("with the VADAPT loop, compare pairs the rate before and after each run's first applied decision, and migration time where both migrated", (t) => {
  const decisions = (rows: [number, number, number, number][]) => "t,applied,rate_before,rate_after\n" + rows.map((r) => r.join(",")).join("\n") + "\n";
  const doc = { ...scenarioDoc, policies: { adapt: { app: "w" } } };
  const [x, y] = pair(
    { scenario: "s", simulated_s: 10, metrics: { w: { supersteps: 100 }, adapt: { migrations_done: 1, migration_s: 1.5 } } },
    { scenario: "s", backend: "none", metrics: { w: { supersteps: 80, rate: 8 }, adapt: { migrations_done: 1, migration_s: 2 } } },
    [doc, doc],
  );
  // The first decision was not applied; the second was: its rates are the ones compared.
  writeFileSync(join(x, "adapt.decisions.csv"), decisions([[3, 0, 5, 5], [4, 1, 6, 20], [5, 1, 30, 31]]));
  writeFileSync(join(y, "adapt.decisions.csv"), decisions([[4, 1, 5.5, 15]]));
  t.deepEqual(compare(x, y).rows.map((r) => [r.quantity, r.predicted, r.measured]), [
    ["w supersteps/s", 10, 8],
    ["w supersteps/s before adaptation", 6, 5.5],
    ["w supersteps/s after adaptation", 20, 15],
    ["adapt migration s", 1.5, 2],
  ]);
  // A live run whose loop never applied anything has no before/after to compare.
  writeFileSync(join(y, "adapt.decisions.csv"), decisions([[4, 0, 5.5, 5.5]]));
  t.deepEqual(compare(x, y).rows.map((r) => r.quantity), ["w supersteps/s", "adapt migration s"]);
});

test("where both runs migrated VMs, compare pairs the mean time and downtime of their completed migrations (a live run's failed ones left out)", (t) => {
  const [x, y] = pair(
    { scenario: "s", simulated_s: 10, metrics: { w: { supersteps: 100 } } },
    { scenario: "s", backend: "none", metrics: { w: { supersteps: 80, rate: 8 } } },
  );
  writeFileSync(join(x, "migrations.csv"), "vm,from,to,start,end,total_s,downtime_s,bytes,rounds\nv,a,b,1,2,1,0.1,100,3\nv,b,a,5,8,3,0.3,100,3\n");
  writeFileSync(join(y, "migrations.csv"), "vm,from,to,start,end,status,total_s,downtime_s,setup_s,bytes,rounds,reason\nv,a,b,1,3,completed,1.5,0.05,0,100,4,\nv,b,a,5,6,failed,,,,,,TLS\n");
  const rows = compare(x, y).rows.map((r) => [r.quantity, r.predicted, r.measured]);
  t.deepEqual(rows.slice(1), [
    ["migration s (mean)", 2, 1.5],
    ["migration downtime s (mean)", 0.2, 0.05],
  ]);
  // Without migrations on one side there is nothing of theirs to compare.
  rmSync(join(y, "migrations.csv"));
  t.deepEqual(compare(x, y).rows.map((r) => r.quantity), ["w supersteps/s"]);
});

test("where both runs migrated VMs, compare pairs the application's rate from the last completed migration's end to the run's end: simulated from its supersteps, live from its progress samples", (t) => {
  const [x, y] = pair(
    { scenario: "s", simulated_s: 10, metrics: { app: { supersteps: 20 } } },
    { scenario: "s", backend: "none", metrics: { app: { supersteps: 70, rate: 7 } } },
  );
  writeFileSync(join(x, "migrations.csv"), "vm,from,to,start,end,total_s,downtime_s,bytes,rounds\nv,a,b,1,2,1,0.1,100,3\nv,b,a,3,4,1,0.1,100,3\n");
  // Supersteps end every 0.5 s: 12 of them end in (4, 10], 2/s.
  writeFileSync(join(x, "app.supersteps.csv"), "step,start,end,duration\n" + Array.from({ length: 20 }, (_, i) => `${i},${i * 0.5},${(i + 1) * 0.5},0.5`).join("\n") + "\n");
  // The last completed move ends at 4.2 (a later failed one does not count); samples from 4.5 on: 50 supersteps in 5 s. Another app's samples are not this one's.
  writeFileSync(join(y, "migrations.csv"), "vm,from,to,start,end,status,total_s,downtime_s,setup_s,bytes,rounds,reason\nv,a,b,1,4.2,completed,1.5,0.05,0,100,4,\nv,b,a,5,9,failed,,,,,,TLS\n");
  writeFileSync(join(y, "progress.csv"), "t,app,supersteps\n3.5,app,10\n4.5,app,20\n4.6,other,999\n9.5,app,70\n");
  const row = compare(x, y).rows.find((r) => r.quantity === "app supersteps/s after the last migration");
  t.like(row, { predicted: 2, measured: 10 });
});
