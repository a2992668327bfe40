/**
 * A sweep worker process: receives runs from the parent, simulates each, writes its output
 * folder (atomically, summary.json last) and reports back. Stays alive between runs, so the
 * start-up cost is paid once per worker.
 */
import { runExperiment } from "../experiments/index.js";
import { runScenario } from "../runner/index.js";
import { loadScenario, ScenarioError } from "../scenario/index.js";
import { dirname } from "node:path";

interface Job {
  file: string;
  dir: string;
  sets: string[];
  id: string;
}

process.on("message", (job: Job) => {
  try {
    const s = loadScenario(job.file, { sets: job.sets });
    const r = s.experiment ? runExperiment(s) : runScenario(s, { baseDir: dirname(job.file) });
    r.stage(job.dir).commit();
    process.send!({ id: job.id, ok: true, summary: r.summary });
  } catch (err) {
    const message = err instanceof ScenarioError ? err.problems.join("; ") : err instanceof Error ? err.message : String(err);
    process.send!({ id: job.id, ok: false, error: message });
  }
});
