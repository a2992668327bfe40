/** A cell of an experiment: the base scenario with fields changed, run on its own. */
import { OutputDir } from "../../analysis/output.js";
import { tidyCsv, tidyMetrics } from "../../analysis/tidy.js";
import { runScenario, type RunResult, type Summary } from "../runner/index.js";
import { estimateParts } from "../scenario/estimate.js";
import { parseScenario, ScenarioError, type Scenario } from "../scenario/index.js";

/**
 * A dry pass (see experimentProblems): every cell is built and validated, its work estimated,
 * and simulated for an instant only, so an experiment's variants are checked before any runs.
 */
let dry: { events: number } | undefined;

/** Runs one experiment may make. */
const maxCells = 10_000;

export function withDryCells<T>(fn: () => T): { result?: T; events: number; error?: unknown } {
  const prev = dry;
  dry = { events: 0 };
  try {
    return { result: fn(), events: dry.events };
  } catch (error) {
    return { error, events: dry.events };
  } finally {
    dry = prev;
  }
}

/** Whether cells run only for an instant now (the pre-run check): work outside cells can be skipped. */
export function isDry(): boolean {
  return dry !== undefined;
}

export type Doc = Record<string, any>;

export function variant(base: Scenario, sets: readonly string[] = [], patch?: (doc: Doc) => void): Scenario {
  const doc = JSON.parse(JSON.stringify({ ...base, experiment: undefined })) as Doc;
  patch?.(doc);
  return parseScenario(doc, { sets });
}

export function hostOf(doc: Doc, id: string): Doc {
  const h = doc.platform.hosts.find((x: Doc) => x.id === id);
  if (!h) throw new ScenarioError([`experiment: no host "${id}" in the scenario`]);
  return h;
}

/** Runs cells and keeps the totals a summary reports. */
export class Cells {
  runs = 0;
  events = 0;
  simulated = 0;

  run(s: Scenario): RunResult {
    if (this.runs >= maxCells) throw new ScenarioError([`experiment: more than ${maxCells} runs; use fewer periods, fractions, profiles, patterns or sizes`]);
    if (dry) dry.events += estimateParts(s).reduce((n, p) => n + p.events, 0);
    const r = runScenario(dry ? { ...s, duration: Math.min(s.duration, 1e-9) } : s);
    this.runs++;
    this.events += r.summary.events;
    this.simulated += r.summary.simulated_s;
    return r;
  }
}

export interface ExperimentResult {
  summary: Summary;
  stage(dir: string, extra?: Partial<Summary>): OutputDir;
}

/** Packs an experiment's files and metrics like a single run's. */
export function result(base: Scenario, cells: Cells, metrics: Summary["metrics"], files: Record<string, string>): ExperimentResult {
  const summary: Summary = { scenario: base.name, seed: base.seed, simulated_s: cells.simulated, events: cells.events, metrics: { ...metrics, experiment: { runs: cells.runs } } };
  return {
    summary,
    stage(dir, extra = {}) {
      const out = new OutputDir(dir);
      out.add("scenario.json", JSON.stringify(base, null, 2) + "\n");
      for (const [name, data] of Object.entries(files)) out.add(name, data);
      const { metrics: m, ...head } = summary;
      out.add("summary.json", JSON.stringify({ ...head, ...extra, metrics: m }, null, 2) + "\n");
      out.add("metrics.csv", tidyCsv(tidyMetrics(m, new Set([...base.vms.map((v) => v.id), ...base.platform.hosts.map((h) => h.id), ...base.workloads.map((w) => w.id)]))));
      return out;
    },
  };
}
