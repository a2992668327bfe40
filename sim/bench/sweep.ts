/** Sweep throughput: the same 200 small runs with one worker and with two. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicSeconds } from "../live/index.js";
import { sweep } from "../sweep/index.js";
import type { Bench } from "./bench.js";

export const sweepBench: Bench = {
  name: "sweep",
  description: "200 runs of a small M/M/1 scenario (20 grid points x 10 replications), --jobs 1 and --jobs 2",
  params: { points: 20, reps: 10 },
  run(p) {
    throw new Error(`sweep bench is asynchronous; run it with runAsync (${p.points})`);
  },
  async runAsync(p) {
    const dir = mkdtempSync(join(tmpdir(), "virtuoso-sweep-bench-"));
    try {
      const file = join(dir, "s.json");
      writeFileSync(file, JSON.stringify({ name: "s", duration: 500, workloads: [{ kind: "mm1", id: "q", arrivalRate: 0.5, serviceRate: 1 }] }));
      const grid = [{ path: "workloads.0.arrivalRate", values: Array.from({ length: p.points }, (_, i) => Number((0.1 + (0.8 * i) / p.points).toFixed(3))) }];
      const time = async (jobs: number) => {
        const t0 = monotonicSeconds();
        await sweep({ file, out: join(dir, `jobs${jobs}`), grid, reps: p.reps, jobs });
        return monotonicSeconds() - t0;
      };
      const one = await time(1), two = await time(2);
      return [
        { name: "sweep.jobs1_s", value: Math.round(one * 100) / 100, unit: "s" },
        { name: "sweep.jobs2_s", value: Math.round(two * 100) / 100, unit: "s" },
        { name: "sweep.speedup", value: Math.round((one / two) * 100) / 100, unit: "x" },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
