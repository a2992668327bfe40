/** One simulated VSched host for the tests: a CPU-bound VM per task plus one unreserved batch VM. */
import { Simulation } from "../../sim/kernel/index.js";
import { DispatchedCpu, SimCpuControl, World } from "../../sim/platform/index.js";
import { schedulerFactories } from "../../sim/runner/policies.js";
import { parseScenario } from "../../sim/scenario/index.js";
import type { BudgetRule, PeriodRecord, VSched } from "../../sim/vsched/index.js";

export interface Task {
  period: number;
  slice: number;
}

export function host(tasks: Task[], params: Record<string, unknown> = {}, budget: BudgetRule = "run-on") {
  const scenario = parseScenario({
    name: "t",
    duration: 1,
    platform: { hosts: [{ id: "h", scheduler: "vsched", tick: 1e-4, ...params }] },
    vms: [...tasks.map((_, i) => ({ id: `rt${i}`, host: "h" })), { id: "batch", host: "h" }],
  });
  const sim = new Simulation(1);
  const world = new World(sim, scenario, { schedulers: schedulerFactories({ budget }) });
  const cpu = new SimCpuControl(world);
  const vsched = (world.host("h").scheduler as DispatchedCpu).policy as VSched;
  const periods: PeriodRecord[] = [];
  vsched.onPeriod((p) => periods.push(p));
  for (const vm of world.vms.values()) vm.compute(Infinity);
  const verdicts = tasks.map((t, i) => cpu.reserve(`rt${i}`, t));
  return { sim, world, cpu, vsched, periods, verdicts };
}

export const utilization = (ts: Task[]) => ts.reduce((u, t) => u + t.slice / t.period, 0);
