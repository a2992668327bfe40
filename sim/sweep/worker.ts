/**
 * A sweep worker process: receives runs from the parent, simulates each, writes its output
 * folder (whole, by one rename) and reports back. Stays alive between runs, so the start-up
 * cost is paid once per worker.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { report } from "../../analysis/report.js";
import { runExperiment } from "../experiments/index.js";
import { provenance, runScenario } from "../runner/index.js";
import { loadScenario, ScenarioError } from "../scenario/index.js";
import { dirname } from "node:path";
import { loadInheritedExtensions } from "../extensions/index.js";

interface Job {
  file: string;
  dir: string;
  sets: string[];
  id: string;
  sha256: string;
}

/** Test hook: runs whose id is listed in VIRTUOSO_FAIL_RUNS fail mid-run, as a model bug would. */
const failing = new Set((process.env.VIRTUOSO_FAIL_RUNS ?? "").split(",").filter(Boolean));

// Extension modules the sweep command loaded (virtuoso --load).
await loadInheritedExtensions();

// A worker whose parent died (killed sweep) stops instead of finishing its run unobserved.
process.on("disconnect", () => process.exit(0));

process.on("message", (job: Job) => {
  try {
    const s = loadScenario(job.file, { sets: job.sets });
    const p = provenance(s);
    if (p.scenario_sha256 !== job.sha256) throw new Error(`the scenario file changed while the sweep ran (sha256 ${p.scenario_sha256.slice(0, 12)}, planned ${job.sha256.slice(0, 12)})`);
    const r = s.experiment ? runExperiment(s) : runScenario(s, { baseDir: dirname(job.file) });
    if (failing.has(job.id)) throw new Error(`injected failure in run ${job.id}`);
    r.stage(job.dir, { provenance: p }).commit({ force: true, finish: (staged) => writeFileSync(join(staged, "index.html"), report(staged)) });
    process.send!({ id: job.id, ok: true, summary: r.summary });
  } catch (err) {
    const message = err instanceof ScenarioError ? err.problems.join("; ") : err instanceof Error ? err.message : String(err);
    process.send!({ id: job.id, ok: false, error: message });
  }
});
