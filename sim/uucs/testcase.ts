/**
 * UUCS testcases (Gupta et al., HPDC 2004): borrow one resource with a ramp or step profile
 * for a duration, on top of the person's own work. Levels are in the resource's unit: cpu, the
 * share of a core each of `threads` busy threads takes (duty cycle, 0..1); memory, bytes of
 * touched pages; disk, bytes written per second through a file.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { positiveCount } from "../scenario/quantities.js";
import { quantity } from "../scenario/units.js";
import { ScenarioError, zodProblems } from "../scenario/problems.js";

export const testcaseSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().max(128).default("testcase"),
  resource: z.enum(["cpu", "memory", "disk"]),
  profile: z.enum(["ramp", "step"]).describe("ramp: linear through `levels` over equal segments; step: each level held for an equal part of the duration"),
  levels: z.array(z.number().nonnegative()).min(1).max(10_000),
  duration: quantity("time", z.number().positive().max(86_400)).describe("seconds"),
  threads: positiveCount.max(256).default(1).describe("cpu: busy threads, each at the level's duty cycle"),
  interval: quantity("time", z.number().positive().max(60)).default(0.1).describe("seconds between level updates"),
});

export type Testcase = z.output<typeof testcaseSchema>;

/** Upper bounds per resource, so a typo cannot borrow a terabyte. */
const most = { cpu: 1, memory: 2 ** 40, disk: 1e10 };

/** A testcase inside a scenario (policies.uucs.testcases, a steering action): no $schema. */
export const testcaseBodySchema = testcaseSchema.omit({ $schema: true });

export function parseTestcase(doc: unknown): Testcase {
  const r = testcaseSchema.safeParse(doc);
  if (!r.success) throw new ScenarioError(zodProblems(r.error));
  const problems = testcaseProblems(r.data);
  if (problems.length) throw new ScenarioError(problems);
  return r.data;
}

/** What the schema cannot see about a testcase, as `path: what` lines under `prefix`. */
export function testcaseProblems(t: Testcase, prefix = ""): string[] {
  const problems: string[] = [];
  t.levels.forEach((l, i) => {
    if (l > most[t.resource]) problems.push(`${prefix}levels.${i}: ${l} is more than ${t.resource} allows (at most ${most[t.resource]}${t.resource === "cpu" ? ", a whole core per thread" : t.resource === "memory" ? " bytes" : " bytes/s"})`);
  });
  if (t.profile === "ramp" && t.levels.length < 2) problems.push(`${prefix}levels: a ramp needs at least two levels (from, to)`);
  if (t.interval > t.duration) problems.push(`${prefix}interval: ${t.interval} s is longer than the duration (${t.duration} s)`);
  return problems;
}

export function loadTestcase(file: string): Testcase {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ScenarioError([`(testcase): cannot read ${file}: ${(err as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError([`(testcase): ${file} is not JSON: ${(err as Error).message}`]);
  }
  return parseTestcase(doc);
}

/** The borrowing level `t` seconds into the testcase. */
export function levelAt(tc: Testcase, t: number): number {
  const L = tc.levels;
  if (t >= tc.duration) return L[L.length - 1];
  const x = Math.max(0, t) / tc.duration;
  if (tc.profile === "step") return L[Math.min(L.length - 1, Math.floor(x * L.length))];
  const seg = x * (L.length - 1);
  const i = Math.min(L.length - 2, Math.floor(seg));
  return L[i] + (L[i + 1] - L[i]) * (seg - i);
}
