/**
 * The console's UUCS part, for a simulated and a live run alike: which testcase a request
 * names (one of the scenario's, by name, or a testcase file, recorded in full so the action
 * replays without the file), and the running testcase's state for the page.
 */
import type { Scenario } from "../../scenario/index.js";
import { ScenarioError } from "../../scenario/index.js";
import { loadTestcase, type Testcase, type UucsSession } from "../../uucs/index.js";

export type Resolved = { testcase: string | Testcase; name: string } | { problems: string[] };

export function resolveTestcase(s: Scenario, asked: string): Resolved {
  if (s.policies.uucs?.testcases.some((t) => t.name === asked)) return { testcase: asked, name: asked };
  if (!/\.json$/i.test(asked)) {
    const names = s.policies.uucs?.testcases.map((t) => t.name) ?? [];
    return { problems: [`testcase: no testcase "${asked}" in policies.uucs.testcases (${names.length ? names.join(", ") : "none"}), and not a testcase file (a path ending in .json)`] };
  }
  try {
    const { $schema: _, ...tc } = loadTestcase(asked);
    return { testcase: tc as Testcase, name: tc.name };
  } catch (err) {
    if (err instanceof ScenarioError) return { problems: err.problems.map((p) => `testcase ${asked}: ${p}`) };
    throw err;
  }
}

export function uucsState(s: Scenario, session: UucsSession | undefined) {
  const c = session?.current;
  return {
    testcases: s.policies.uucs?.testcases.map((t) => t.name) ?? [],
    current: c ? { testcase: c.testcase.name, resource: c.testcase.resource, profile: c.testcase.profile, threads: c.testcase.threads, state: c.state, level: c.level, last: c.last, since: c.since, until: c.until ?? null } : null,
  };
}
