/** What the schema cannot see about `actions`: the VMs and people they name, and their times. */
import type { Scenario } from "../scenario/schema.js";

export function actionProblems(s: Scenario): string[] {
  const out: string[] = [];
  s.actions?.forEach((a, i) => {
    const p = `actions.${i}`;
    if (a.at > s.duration) out.push(`${p}.at: ${a.at} s is after the run ends (${s.duration} s)`);
    if (a.kind === "reserve" && !s.vms.some((v) => v.id === a.vm)) out.push(`${p}.vm: no VM "${a.vm}"`);
    if (a.kind === "adapt" && !s.policies.adapt) out.push(`${p}.kind: "adapt" asks VADAPT, but the scenario has no policies.adapt`);
    if (a.kind === "press" && !s.policies.user?.users.some((u) => u.id === a.user && u.control === "button")) out.push(`${p}.user: no person "${a.user}" with a button in policies.user.users`);
  });
  return out;
}
