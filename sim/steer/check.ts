/** What the schema cannot see about `actions`: the VMs, people and testcases they name, and their times. */
import type { Scenario } from "../scenario/schema.js";
import { testcaseProblems } from "../uucs/testcase.js";

export function actionProblems(s: Scenario): string[] {
  const out: string[] = [];
  const testcases = s.policies.uucs?.testcases ?? [];
  s.actions?.forEach((a, i) => {
    const p = `actions.${i}`;
    if (a.at > s.duration) out.push(`${p}.at: ${a.at} s is after the run ends (${s.duration} s)`);
    if (a.kind === "reserve" && !s.vms.some((v) => v.id === a.vm)) out.push(`${p}.vm: no VM "${a.vm}"`);
    if (a.kind === "adapt" && !s.policies.adapt) out.push(`${p}.kind: "adapt" asks VADAPT, but the scenario has no policies.adapt`);
    if (a.kind === "press" && !s.policies.user?.users.some((u) => u.id === a.user && u.control === "button")) out.push(`${p}.user: no person "${a.user}" with a button in policies.user.users`);
    if (a.kind === "uucs-start" && typeof a.testcase === "string" && !testcases.some((t) => t.name === a.testcase)) out.push(`${p}.testcase: no testcase "${a.testcase}" in policies.uucs.testcases`);
    if (a.kind === "uucs-start" && typeof a.testcase === "object") out.push(...testcaseProblems(a.testcase, `${p}.testcase.`));
  });
  return out;
}

/** `policies.uucs`: its host, and testcases that can be told apart by name. */
export function uucsProblems(s: Scenario, hosts: ReadonlyMap<string, unknown>): string[] {
  const u = s.policies.uucs;
  if (!u) return [];
  const out: string[] = [];
  if (u.host !== undefined && !hosts.has(u.host)) out.push(`policies.uucs.host: no host "${u.host}"`);
  if (u.host === undefined && !hosts.size) out.push("policies.uucs: the scenario has no host for a testcase to borrow from");
  const seen = new Set<string>();
  u.testcases.forEach((t, i) => {
    const p = `policies.uucs.testcases.${i}.`;
    if (seen.has(t.name)) out.push(`${p}name: "${t.name}" names another testcase too`);
    seen.add(t.name);
    out.push(...testcaseProblems(t, p));
  });
  return out;
}
