/**
 * summary.csv's confidence intervals against ones computed here from runs.csv, on a metric
 * that varies between replications (a mean over a random queue), so an interval written as
 * mean +- sd, or with a normal quantile, cannot pass.
 */
import test from "ava";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sweep } from "../../sim/sweep/index.js";
import { csvRecords, tempDir } from "../helpers.js";

/** Student's t quantile with 2 degrees of freedom, in closed form. */
const t2 = (p: number) => (2 * p - 1) / Math.sqrt(2 * p * (1 - p));

test("each grid point's 95% interval is mean +- t(0.975, n-1) sd / sqrt(n) over its replications", async (t) => {
  const dir = tempDir();
  const file = join(dir, "s.json");
  writeFileSync(file, JSON.stringify({ name: "s", seed: 11, duration: 400, workloads: [{ kind: "mm1", id: "q", arrivalRate: 0.5, serviceRate: 1, warmup: 20 }] }));
  const out = join(dir, "out");
  const recs = await sweep({ file, out, grid: [{ path: "workloads.0.arrivalRate", values: [0.4, 0.7] }], reps: 3, jobs: 2 });
  t.true(recs.every((r) => r.ok));
  const runs = csvRecords(readFileSync(join(out, "runs.csv"), "utf8"));
  const summary = csvRecords(readFileSync(join(out, "summary.csv"), "utf8"));
  const path = "workloads.0.arrivalRate";
  let varying = 0;
  for (const point of ["0", "1"]) {
    const mine = runs.filter((r) => r.point === point);
    t.is(mine.length, 3);
    for (const metric of ["q.mean_sojourn_s", "q.mean_wait_s", "q.utilization", "q.served"]) {
      const xs = mine.map((r) => Number(r[metric]));
      const n = xs.length;
      const mean = xs.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
      const half = (t2(0.975) * sd) / Math.sqrt(n);
      const row = summary.find((r) => r.point === point && r.metric === metric)!;
      t.truthy(row, `${point} ${metric}`);
      t.is(row[path], mine[0][path]);
      t.is(Number(row.n), n);
      const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
      t.true(near(Number(row.mean), mean), `${metric} mean`);
      t.true(near(Number(row.sd), sd), `${metric} sd`);
      t.true(near(Number(row.ci95_lo), mean - half), `${metric} lo ${row.ci95_lo} vs ${mean - half}`);
      t.true(near(Number(row.ci95_hi), mean + half), `${metric} hi ${row.ci95_hi} vs ${mean + half}`);
      if (sd > 0) varying++;
    }
  }
  // The check means something only if the replications differ.
  t.true(varying >= 6, `${varying} metrics vary`);
});
