/**
 * Reading a scenario: file -> bounded JSON -> overrides -> schema and references -> static
 * invariants and the run's estimated work -> a resolved Scenario. Every problem found is
 * reported at once, before anything is built or run.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { workProblems } from "./estimate.js";
import { invariantProblems } from "./invariants.js";
import { jsonDepth, limits, sizeProblems } from "./limits.js";
import { applyOverrides } from "./overrides.js";
import { ScenarioError, zodProblems } from "./problems.js";
import { referenceProblems } from "./references.js";
import { currentScenarioSchema, type HostSpec, type Scenario } from "./schema.js";

export interface LoadOptions {
  sets?: readonly string[];
  seed?: number;
  /** Folder relative file names inside the scenario are read from (trace files). */
  baseDir?: string;
  /** Refuse runs estimated to process more events than this (default limits.events). */
  maxEvents?: number;
  /** Receives each warning line (legal settings that are probably not meant). */
  warn?: (line: string) => void;
}

export function loadScenario(file: string, opts: LoadOptions = {}): Scenario {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > limits.fileBytes) throw new ScenarioError([`${file}: ${size} bytes; scenario files are limited to ${limits.fileBytes} bytes`]);
    text = readFileSync(file, "utf8");
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError([`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseScenario(parseJson(text, file), { baseDir: dirname(file), ...opts });
}

/** JSON.parse, after checking the nesting depth so a deep document cannot overflow the stack. */
export function parseJson(text: string, file: string): unknown {
  const depth = jsonDepth(text);
  if (depth > limits.depth) throw new ScenarioError([`${file}: nested ${depth} levels deep; at most ${limits.depth}`]);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ScenarioError([`${file}: not valid JSON: ${(err as Error).message}`]);
  }
}

/** Validates a scenario document; throws ScenarioError listing every problem. */
export function parseScenario(doc: unknown, opts: LoadOptions = {}): Scenario {
  const sized = sizeProblems(doc);
  if (sized.length) throw new ScenarioError(sized);
  doc = structuredClone(doc);
  if (opts.sets?.length) applyOverrides(doc, opts.sets);
  if (opts.seed !== undefined && typeof doc === "object" && doc !== null) (doc as Record<string, unknown>).seed = opts.seed;
  const parsed = currentScenarioSchema().safeParse(doc);
  const problems = [...(parsed.success ? [] : zodProblems(parsed.error)), ...referenceProblems(doc)];
  if (problems.length || !parsed.success) throw new ScenarioError(problems);
  const found = invariantProblems(parsed.data, opts.baseDir);
  if (found.errors.length) throw new ScenarioError(found.errors);
  const work = workProblems(parsed.data, opts.maxEvents);
  if (work.length) throw new ScenarioError(work);
  for (const w of found.warnings) opts.warn?.(w);
  return resolve(parsed.data);
}

/** Expands host templates (`count`) into individual hosts. */
function resolve(s: Scenario): Scenario {
  const hosts: HostSpec[] = [];
  for (const h of s.platform.hosts) {
    if (h.count === undefined) hosts.push(h);
    else for (let i = 0; i < h.count; i++) hosts.push({ ...h, id: `${h.id}${i}`, count: undefined });
  }
  return { ...s, platform: { ...s.platform, hosts } };
}
