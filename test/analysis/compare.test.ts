import test from "ava";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compare } from "../../analysis/compare.js";
import { tempDir } from "../helpers.js";

test("compare pairs each VM's simulated CPU share and each application's rate with the live measurement", (t) => {
  const dir = tempDir();
  mkdirSync(join(dir, "sim"));
  mkdirSync(join(dir, "live"));
  writeFileSync(join(dir, "sim", "summary.json"), JSON.stringify({ simulated_s: 10, metrics: { vsched: { "p1.cpu_share": 0.3, "p2.cpu_share": 0.2 }, app: { supersteps: 50 } } }));
  writeFileSync(join(dir, "live", "summary.json"), JSON.stringify({ metrics: { p1: { measured_share: 0.31 }, p2: { measured_share: 0.19 }, batch: { measured_share: 0.5 }, app: { supersteps: 48, rate: 4.8 } } }));
  const c = compare(join(dir, "sim"), join(dir, "live"));
  t.deepEqual(c.rows.map((r) => [r.quantity, r.predicted, r.measured]), [
    ["p1 CPU share", 0.3, 0.31],
    ["p2 CPU share", 0.2, 0.19],
    ["app supersteps/s", 5, 4.8],
  ]);
  t.true(Math.abs(c.rows[0].difference - 0.01) < 1e-12);
  t.regex(c.svg, /<circle /);
  t.regex(c.csv, /^quantity,predicted,measured,difference\n/);
});
