/**
 * What live mode cannot run, as `path: reason` lines: a scenario asking for any of it is
 * refused (exit 2) before anything starts, rather than run with parts silently dropped.
 */
import type { Scenario } from "../scenario/index.js";

const PROCESS_KINDS = new Set(["batch", "interactive", "bsp"]);

export function liveProblems(s: Scenario): string[] {
  const out: string[] = [];
  const qemu = s.live?.vms === "qemu";
  const p = s.policies;
  if (p.control) out.push("policies.control: live mode does not run the global rate controller yet; remove it to run live");
  if (p.adapt) out.push("policies.adapt: live mode does not run the VADAPT loop yet; remove it to run live");
  if (p.wren.enabled) out.push("policies.wren.enabled: live mode does not run Wren yet; set it to false to run live");
  if (p.vreserve.enabled) out.push("policies.vreserve.enabled: live mode does not run VRESERVE yet; set it to false to run live");
  if (p.user) out.push("policies.user: live mode does not seat simulated people yet; remove it to run live");
  if (s.actions?.length) out.push("actions: live mode does not replay steering actions yet; remove them to run live");
  if (qemu && p.vttif.enabled) out.push('policies.vttif.enabled: live.vms "qemu" has no traffic tap yet; set it to false or use live.vms "process"');
  s.workloads.forEach((w, i) => {
    if (qemu && w.kind !== "batch") out.push(`workloads.${i}.kind: live.vms "qemu" runs batch workloads only (the guest computes), not "${w.kind}"`);
    else if (!PROCESS_KINDS.has(w.kind)) out.push(`workloads.${i}.kind: live mode has no program for "${w.kind}" workloads (batch, interactive and bsp only)`);
  });
  // A reservation needs something live to hold it.
  const held = new Set(qemu ? s.vms.map((v) => v.id) : s.workloads.flatMap((w) => (w.kind === "batch" || w.kind === "interactive" ? [w.vm] : [])));
  s.policies.vsched.reservations.forEach((r, i) => {
    if (!held.has(r.vm)) out.push(`policies.vsched.reservations.${i}.vm: "${r.vm}" ${qemu ? "is not a VM" : "runs no batch or interactive workload; live mode reserves CPU only for their processes"}`);
  });
  if (qemu) {
    const reserved = new Set(s.policies.vsched.reservations.map((r) => r.vm));
    s.vms.forEach((v, i) => {
      if (reserved.has(v.id) && v.vcpus !== 1) out.push(`vms.${i}.vcpus: a reserved VM has one vCPU live (a reservation is one thread's), not ${v.vcpus}`);
      if (v.memory < 64 * 2 ** 20) out.push(`vms.${i}.memory: the live guest needs at least 64 MiB, not ${v.memory} bytes`);
    });
  }
  return out;
}
