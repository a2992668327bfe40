/** What the schema cannot see about `policies.user`: the VMs and workloads it names. */
import type { Scenario } from "../scenario/schema.js";

export function userProblems(s: Scenario, hosts: ReadonlyMap<string, { scheduler: string }>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  s.policies.user?.users.forEach((u, i) => {
    const p = `policies.user.users.${i}`;
    if (seen.has(u.id)) out.push(`${p}.id: "${u.id}" names another user too`);
    seen.add(u.id);
    const vm = s.vms.find((v) => v.id === u.vm);
    if (!vm) out.push(`${p}.vm: no VM "${u.vm}"`);
    else if (hosts.get(vm.host)?.scheduler !== "vsched") out.push(`${p}.vm: "${u.vm}" runs on host "${vm.host}", which has no VSched scheduler to take its reservation`);
    const w = s.workloads.find((x) => x.id === u.app);
    if (!w) out.push(`${p}.app: no workload "${u.app}"`);
    else if (w.kind !== "interactive") out.push(`${p}.app: "${u.app}" is a ${w.kind} workload; a person perceives an interactive one`);
    else if (vm && w.vm !== u.vm) out.push(`${p}.app: "${u.app}" runs on VM "${w.vm}", not on "${u.vm}"`);
    if (u.comfort.kind === "uniform" && u.comfort.max < u.comfort.min) out.push(`${p}.comfort.max: ${u.comfort.max} is below min ${u.comfort.min}`);
    if (u.joystick.minStep > u.joystick.step) out.push(`${p}.joystick.minStep: ${u.joystick.minStep} is larger than step ${u.joystick.step}`);
    if (u.button.initial > u.button.max) out.push(`${p}.button.initial: ${u.button.initial} is above max ${u.button.max}`);
  });
  return out;
}
