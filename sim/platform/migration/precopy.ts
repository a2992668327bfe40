/**
 * Pre-copy live migration: copy all memory while the VM runs, then repeatedly the pages it
 * dirtied meanwhile, until the remainder fits the downtime budget at the rate the last round
 * achieved (or the round limit is hit); then pause, copy the rest, and resume on the target.
 */
import type { Simulation } from "../../kernel/index.js";
import type { Host } from "../host/index.js";
import type { FlowNetwork } from "../network/index.js";
import type { Vm } from "../vm/index.js";
import { qemuPrecopy, type QemuPrecopyInput } from "./qemu.js";
import { migrationSchema, type MigrationSpec } from "./schema.js";

export { migrationSchema, type MigrationSpec };

/** The stream `checkPhase: "random"` draws from. */
export const CHECK_PHASE_STREAM = "platform.migration.checkPhase";

export interface MigrationReport {
  vm: string;
  from: string;
  to: string;
  start: number;
  end: number;
  total_s: number;
  downtime_s: number;
  bytes: number;
  rounds: number;
}

export function migrate(
  sim: Simulation,
  net: FlowNetwork,
  spec: MigrationSpec,
  vm: Vm,
  to: Host,
  onDone: (r: MigrationReport) => void,
): void {
  const from = vm.host;
  if (from === to) throw new Error(`migrate: ${vm.name} is already on ${to.id}`);
  if (spec.model === "qemu") return migrateQemu(sim, net, spec, vm, to, onDone);
  const start = sim.now;
  let bytes = 0;
  let rounds = 0;

  const round = (amount: number) => {
    vm.settle();
    const cpuAtStart = vm.cpuSeconds;
    const t0 = sim.now;
    rounds++;
    net.start(from.node, to.node, amount, {
      tag: `migrate:${vm.name}`,
      onDone: (f) => {
        bytes += amount;
        vm.settle();
        const dirtied = Math.min(vm.memory, vm.dirtyRate * (vm.cpuSeconds - cpuAtStart));
        const elapsed = sim.now - t0;
        const rate = elapsed > f.latency ? amount / (elapsed - f.latency) : Infinity;
        const fits = f.latency + dirtied / rate <= spec.downtimeBudget;
        if (fits || rounds >= spec.maxRounds) stopAndCopy(dirtied);
        else round(dirtied);
      },
    });
  };

  const stopAndCopy = (amount: number) => {
    vm.pause();
    const paused = sim.now;
    rounds++;
    net.start(from.node, to.node, amount, {
      tag: `migrate:${vm.name}`,
      onDone: () => {
        bytes += amount;
        sim.schedule(spec.switchover, () => {
          vm.moveTo(to);
          vm.resume();
          onDone({ vm: vm.name, from: from.id, to: to.id, start, end: sim.now, total_s: sim.now - start, downtime_s: sim.now - paused, bytes, rounds });
        });
      },
    });
  };

  round(vm.memory);
}

/** Nonzero bytes of a guest of `memory` bytes that writes `workingSet` bytes, by platform.migration.touched. */
export function nonzeroMemory(t: MigrationSpec["touched"], memory: number, workingSet: number): number {
  return Math.min(memory, t.base + t.perMemory * memory + t.perWorkingSet * workingSet);
}

/** What the qemu model needs of a VM and its route, as they are when the migration starts. */
export function qemuInput(spec: MigrationSpec, vm: Vm, routeBandwidth: number, cpuShare: number): QemuPrecopyInput {
  const stopCopyRate = Math.min(spec.stopCopyRate ?? Infinity, routeBandwidth);
  const touched = vm.pages.touched !== undefined ? Math.min(vm.memory, vm.pages.touched) : nonzeroMemory(spec.touched, vm.memory, vm.pages.workingSet ?? 0);
  return {
    memory: vm.memory,
    touched,
    bandwidth: (spec.bandwidth ?? Infinity) * spec.bandwidthScale,
    stopCopyRate,
    firstCopyRate: Math.min(spec.firstCopyRate ?? stopCopyRate, routeBandwidth),
    dirtyRate: vm.pages.wallDirtyRate + vm.dirtyRate * cpuShare,
    workingSet: Math.min(vm.memory, (vm.pages.workingSet ?? vm.memory) + spec.workingSetExtra),
    downtimeLimit: spec.downtimeBudget,
    checkInterval: spec.checkInterval,
    maxWait: spec.maxWait,
    pageSize: spec.pageSize,
    pageHeader: spec.pageHeader,
    setup: spec.setup,
    switchover: spec.switchover,
    switchoverBytes: spec.switchoverBytes,
    maxRounds: spec.maxRounds,
    autoConverge: spec.autoConverge,
    ...(spec.touchedTail === undefined ? {} : { touchedTail: spec.touchedTail * touched }),
    checkPhase: typeof spec.checkPhase === "number" ? spec.checkPhase : 0,
  };
}

/**
 * QEMU's pre-copy, planned when it starts: the migration is taken to have its route's
 * bottleneck to itself (its bytes do not enter the flow network), and the VM's CPU share,
 * for CPU-tied dirtying, to stay what it is now.
 */
function migrateQemu(sim: Simulation, net: FlowNetwork, spec: MigrationSpec, vm: Vm, to: Host, onDone: (r: MigrationReport) => void): void {
  const from = vm.host;
  const route = net.router.route(from.node, to.node);
  let bottleneck = Infinity;
  for (const r of route.resources) bottleneck = Math.min(bottleneck, net.topo.capacity[r]);
  if (!Number.isFinite(bottleneck) && spec.stopCopyRate === undefined) throw new Error(`migrate: ${vm.name}: no link between ${from.id} and ${to.id} bounds the rate; set platform.migration.stopCopyRate`);
  vm.settle();
  const input = qemuInput(spec, vm, bottleneck, vm.cpuRate / from.speed);
  // Where QEMU's drifting check grid falls is chance: one draw per migration, in start order.
  if (spec.checkPhase === "random") input.checkPhase = sim.rng(CHECK_PHASE_STREAM).random();
  const plan = qemuPrecopy(input);
  const start = sim.now;
  const latency = route.latency;
  sim.schedule(plan.precopy_s, () => {
    vm.pause();
    sim.schedule(plan.downtime_s + latency, () => {
      vm.moveTo(to);
      vm.resume();
      onDone({ vm: vm.name, from: from.id, to: to.id, start, end: sim.now, total_s: sim.now - start, downtime_s: plan.downtime_s + latency, bytes: plan.bytes, rounds: plan.rounds });
    });
  });
}
