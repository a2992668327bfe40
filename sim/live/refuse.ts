/**
 * What live mode cannot run, as `path: reason` lines: a scenario asking for any of it is
 * refused (exit 2) before anything starts, rather than run with parts silently dropped.
 */
import type { Scenario } from "../scenario/index.js";
import { GUEST_PATTERNS } from "./vm/bsp.js";

const PROCESS_KINDS = new Set(["batch", "interactive", "bsp"]);

export function liveProblems(s: Scenario): string[] {
  const out: string[] = [];
  const qemu = s.live?.vms === "qemu";
  const p = s.policies;
  if (p.control && !qemu) out.push('policies.control: live.vms "process" does not run the global rate controller; use live.vms "qemu" (its BSP ranks report supersteps from the guests) or remove it');
  if (p.adapt) out.push("policies.adapt: live mode does not run the VADAPT loop yet (its migrations do run live: list them in live.migrations); remove it to run live");
  if (p.wren.enabled) out.push("policies.wren.enabled: live mode does not run Wren yet; set it to false to run live");
  if (p.vreserve.enabled) out.push("policies.vreserve.enabled: live mode does not run VRESERVE yet; set it to false to run live");
  // People and actions steer through the process backends' CpuControl and the prober's response times.
  if (qemu && p.user) out.push('policies.user: live.vms "qemu" runs no interactive workload for a person to perceive; use live.vms "process"');
  if (qemu && p.vttif.enabled && !s.workloads.some((w) => w.kind === "bsp")) out.push('policies.vttif.enabled: live.vms "qemu" has a network (and VM traffic to watch) only with a bsp workload; set it to false');
  const ranked = new Map<string, string>();
  s.workloads.forEach((w, i) => {
    if (qemu && w.kind === "bsp") {
      const patterns = w.sequence ? w.sequence.map((x, j) => [`sequence.${j}.pattern`, x.pattern] as const) : [["pattern", w.pattern] as const];
      for (const [path, pattern] of patterns.filter(([, x]) => !GUEST_PATTERNS.has(x))) {
        out.push(`workloads.${i}.${path}: live.vms "qemu" runs ${[...GUEST_PATTERNS].join(", ")} in the guests, not "${pattern}" (a rank that receives nothing would run ahead of the others without bound)`);
      }
      w.vms.forEach((vm, j) => {
        if (ranked.has(vm)) out.push(`workloads.${i}.vms.${j}: "${vm}" is already a rank of "${ranked.get(vm)}"; live.vms "qemu" runs one rank per VM`);
        ranked.set(vm, w.id);
      });
    } else if (qemu && w.kind !== "batch") out.push(`workloads.${i}.kind: live.vms "qemu" runs batch and bsp workloads only, not "${w.kind}"`);
    else if (!PROCESS_KINDS.has(w.kind)) out.push(`workloads.${i}.kind: live mode has no program for "${w.kind}" workloads (batch, interactive and bsp only)`);
  });
  // A reservation needs something live to hold it.
  const held = new Set(qemu ? s.vms.map((v) => v.id) : s.workloads.flatMap((w) => (w.kind === "batch" || w.kind === "interactive" ? [w.vm] : [])));
  const controlled = new Set(s.workloads.flatMap((w) => (w.kind === "bsp" && p.control?.apps.some((a) => a.app === w.id) ? w.vms : [])));
  s.policies.vsched.reservations.forEach((r, i) => {
    if (qemu && controlled.has(r.vm)) out.push(`policies.vsched.reservations.${i}.vm: "${r.vm}" is a rank of an application the rate controller drives; the controller sets its reservation`);
    else if (!held.has(r.vm)) out.push(`policies.vsched.reservations.${i}.vm: "${r.vm}" ${qemu ? "is not a VM" : "runs no batch or interactive workload; live mode reserves CPU only for their processes"}`);
  });
  // A rank the rate controller drives takes no reservation by hand either.
  s.actions?.forEach((a, i) => {
    if (a.kind === "reserve" && controlled.has(a.vm)) out.push(`actions.${i}.vm: "${a.vm}" is a rank of an application the rate controller drives; the controller sets its reservation`);
    else if (a.kind === "reserve" && !held.has(a.vm)) out.push(`actions.${i}.vm: "${a.vm}" ${qemu ? "is not a VM" : "runs no batch or interactive workload; live mode reserves CPU only for their processes"}`);
  });
  if (qemu) {
    const reserved = new Set(s.policies.vsched.reservations.map((r) => r.vm));
    for (const a of p.control?.apps ?? []) for (const w of s.workloads) if (w.kind === "bsp" && w.id === a.app) for (const vm of w.vms) reserved.add(vm);
    s.vms.forEach((v, i) => {
      if (ranked.has(v.id) && s.workloads.some((w) => w.kind === "batch" && w.vm === v.id)) out.push(`vms.${i}.id: "${v.id}" is a BSP rank and runs a batch workload; live.vms "qemu" runs one program per guest`);
      if (reserved.has(v.id) && v.vcpus !== 1) out.push(`vms.${i}.vcpus: a reserved VM has one vCPU live (a reservation is one thread's), not ${v.vcpus}`);
      if (v.memory < 80 * 2 ** 20) out.push(`vms.${i}.memory: the live guest needs at least 80 MiB (its kernel does not boot in 64), not ${v.memory} bytes`);
    });
  }
  out.push(...migrationProblems(s));
  return out;
}

/** live.migrations: QEMU VMs only, each of a VM whose guest computes or runs a BSP rank (its
 * heartbeat or supersteps are how the destination is checked), to another scenario host,
 * within the run. A VM with a NIC migrates with it (its destination gets its own tap). */
function migrationProblems(s: Scenario): string[] {
  const out: string[] = [];
  const migrations = s.live?.migrations ?? [];
  if (!migrations.length) return out;
  if (s.live?.vms !== "qemu") return ['live.migrations: live migration needs live.vms "qemu" (a process cannot be migrated)'];
  const hosts = new Set(s.platform.hosts.map((h) => h.id));
  const where = new Map(s.vms.map((v) => [v.id, v.host]));
  // A batch guest prints a heartbeat line; a BSP rank prints one per superstep.
  const computing = new Set(s.workloads.flatMap((w) => (w.kind === "batch" ? [w.vm] : w.kind === "bsp" ? w.vms : [])));
  // In time order, as they run: each starts from where the previous one left the VM.
  const order = migrations.map((m, i) => ({ m, i })).sort((a, b) => a.m.at - b.m.at || a.i - b.i);
  for (const { m, i } of order) {
    const at = `live.migrations.${i}`;
    if (!where.has(m.vm)) out.push(`${at}.vm: "${m.vm}" is not a VM`);
    else if (!computing.has(m.vm)) out.push(`${at}.vm: "${m.vm}" runs no batch or bsp workload; live, a migration is checked by the guest's heartbeat (spin or superstep lines), which only a computing guest prints`);
    if (!hosts.has(m.to)) out.push(`${at}.to: "${m.to}" is not a host`);
    else if (where.get(m.vm) === m.to) out.push(`${at}.to: "${m.vm}" is already on "${m.to}" then`);
    else if (where.has(m.vm)) where.set(m.vm, m.to);
    if (m.at >= s.duration) out.push(`${at}.at: ${m.at} s is not before the end of the run (duration ${s.duration} s)`);
  }
  return out;
}
