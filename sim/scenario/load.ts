/** Reading a scenario: file -> JSON -> overrides -> validation -> a resolved Scenario. */
import { readFileSync } from "node:fs";
import { applyOverrides } from "./overrides.js";
import { ScenarioError, zodProblems } from "./problems.js";
import { referenceProblems } from "./references.js";
import { scenarioSchema, type HostSpec, type Scenario } from "./schema.js";

export interface LoadOptions {
  sets?: readonly string[];
  seed?: number;
}

export function loadScenario(file: string, opts: LoadOptions = {}): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ScenarioError([`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError([`${file}: not valid JSON: ${(err as Error).message}`]);
  }
  return parseScenario(doc, opts);
}

/** Validates a scenario document; throws ScenarioError listing every problem. */
export function parseScenario(doc: unknown, opts: LoadOptions = {}): Scenario {
  doc = structuredClone(doc);
  if (opts.sets?.length) applyOverrides(doc, opts.sets);
  if (opts.seed !== undefined && typeof doc === "object" && doc !== null) (doc as Record<string, unknown>).seed = opts.seed;
  const parsed = scenarioSchema.safeParse(doc);
  const problems = [...(parsed.success ? [] : zodProblems(parsed.error)), ...referenceProblems(doc)];
  if (problems.length || !parsed.success) throw new ScenarioError(problems);
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
