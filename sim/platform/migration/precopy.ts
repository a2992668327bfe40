/**
 * Pre-copy live migration: copy all memory while the VM runs, then repeatedly the pages it
 * dirtied meanwhile, until the remainder fits the downtime budget at the rate the last round
 * achieved (or the round limit is hit); then pause, copy the rest, and resume on the target.
 */
import { z } from "zod";
import type { Simulation } from "../../kernel/index.js";
import { positiveCount, seconds } from "../../scenario/quantities.js";
import type { Host } from "../host/index.js";
import type { FlowNetwork } from "../network/index.js";
import type { Vm } from "../vm/index.js";

export const migrationSchema = z.strictObject({
  downtimeBudget: seconds.default(0.03).describe("stop and copy once the remainder would take at most this long"),
  maxRounds: positiveCount.default(30).describe("pre-copy rounds before stopping regardless"),
  switchover: seconds.default(0).describe("fixed cost of resuming on the target, added to downtime"),
});

export type MigrationSpec = z.output<typeof migrationSchema>;

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
