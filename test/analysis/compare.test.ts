import test from "ava";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compare, CompareError } from "../../analysis/compare.js";
import { cli, tempDir } from "../helpers.js";

test("compare pairs each VM's simulated CPU share and each application's rate with the live measurement", (t) => {
  const dir = tempDir();
  mkdirSync(join(dir, "sim"));
  mkdirSync(join(dir, "live"));
  writeFileSync(join(dir, "sim", "summary.json"), JSON.stringify({ scenario: "s", simulated_s: 10, metrics: { vsched: { "p1.cpu_share": 0.3, "p2.cpu_share": 0.2 }, app: { supersteps: 50 } } }));
  writeFileSync(join(dir, "live", "summary.json"), JSON.stringify({ scenario: "s", backend: "signals", metrics: { p1: { measured_share: 0.31 }, p2: { measured_share: 0.19 }, batch: { measured_share: 0.5 }, app: { supersteps: 48, rate: 4.8 } } }));
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

function pair(simDoc: object, liveDoc: object): [string, string] {
  const dir = tempDir();
  for (const [name, doc] of [["a", simDoc], ["b", liveDoc]] as const) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "summary.json"), JSON.stringify(doc));
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
