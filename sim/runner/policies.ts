/**
 * Wiring policies to the simulated platform: the composition root is the only place that
 * knows both sides of the ports.
 */
import { RateController, type ControlRecord } from "../control/index.js";
import type { Simulation } from "../kernel/index.js";
import { DispatchedCpu, SimCpuControl, type SchedulerFactory, type World } from "../platform/index.js";
import type { Scenario } from "../scenario/index.js";
import { VSched, type PeriodRecord } from "../vsched/index.js";
import type { Model } from "../workload/index.js";
import { chart } from "../../analysis/chart.js";

export function schedulerFactories(): Record<string, SchedulerFactory> {
  return {
    vsched: (spec) =>
      new DispatchedCpu(
        "vsched",
        (host, dispatch) =>
          new VSched(host.sim, dispatch, { cores: spec.cores, tick: spec.tick, uMax: spec.uMax, overheadReserve: spec.overheadReserve, admission: spec.admission }),
        spec.dispatchOverhead,
      ),
  };
}

/** Applies the scenario's reservations through CpuControl and gathers VSched's metrics. */
export function installVSched(sim: Simulation, world: World, scenario: Scenario): Model | undefined {
  const spec = scenario.policies.vsched;
  const vscheds = [...world.hosts.values()].flatMap((h) => (h.scheduler instanceof DispatchedCpu && h.scheduler.policy instanceof VSched ? [h.scheduler.policy] : []));
  if (vscheds.length === 0 && spec.reservations.length === 0) return undefined;
  const cpu = new SimCpuControl(world);
  const perVm = new Map<string, { periods: number; misses: number; shareSum: number; lateness: number[]; since: number; cpu0: number; rejected?: string }>();
  const table = spec.tracePeriods
    ? sim.trace.table("vsched.periods", { vm: "str", release: "f64", deadline: "f64", got: "f64", slice: "f64", missed: "i32", lateness: "f64" })
    : undefined;
  const record = (p: PeriodRecord) => {
    const s = perVm.get(p.vm);
    if (!s) return;
    s.periods++;
    s.shareSum += p.got / (p.deadline - p.release);
    if (p.missed) {
      s.misses++;
      s.lateness.push(p.lateness);
    }
    table?.row(p.vm, p.release, p.deadline, p.got, p.slice, p.missed ? 1 : 0, p.lateness);
  };
  for (const v of vscheds) v.onPeriod(record);
  for (const r of spec.reservations) {
    sim.scheduleAt(r.at, () => {
      const verdict = cpu.reserve(r.vm, { period: r.period, slice: r.slice });
      const prev = perVm.get(r.vm);
      if (verdict.admitted) perVm.set(r.vm, { periods: 0, misses: 0, shareSum: 0, lateness: [], since: sim.now, cpu0: cpu.usage(r.vm) });
      else if (prev) prev.rejected = verdict.reason;
      else perVm.set(r.vm, { periods: 0, misses: 0, shareSum: 0, lateness: [], since: sim.now, cpu0: cpu.usage(r.vm), rejected: verdict.reason });
    });
  }
  return {
    metrics() {
      const m: Record<string, number | string | boolean> = {};
      for (const [vm, s] of perVm) {
        m[`${vm}.periods`] = s.periods;
        m[`${vm}.misses`] = s.misses;
        m[`${vm}.miss_rate`] = s.periods > 0 ? s.misses / s.periods : 0;
        m[`${vm}.mean_period_share`] = s.periods > 0 ? s.shareSum / s.periods : 0;
        m[`${vm}.cpu_share`] = sim.now > s.since ? (cpu.usage(vm) - s.cpu0) / (sim.now - s.since) : 0;
        if (s.rejected) m[`${vm}.rejected`] = s.rejected;
      }
      m.dispatches = vscheds.reduce((n, v) => n + v.dispatches, 0);
      return m;
    },
  };
}

/** Starts the global rate controller over the scenario's BSP applications. */
export function installRateControl(sim: Simulation, world: World, scenario: Scenario): Model | undefined {
  const spec = scenario.policies.control;
  if (!spec || spec.apps.length === 0) return undefined;
  const apps = spec.apps.map((a) => {
    const w = scenario.workloads.find((x) => x.id === a.app);
    if (!w || w.kind !== "bsp") throw new Error(`policies.control: "${a.app}" is not a BSP workload`);
    return { app: a.app, vms: w.vms, dedicatedRate: a.dedicatedRate, targets: a.targets };
  });
  const controller = new RateController(sim, new SimCpuControl(world), apps, spec);
  const table = sim.trace.table("control", { t: "f64", app: "str", target: "f64", rate: "f64", utilization: "f64", period: "f64", reachable: "i32", note: "str" });
  const history = new Map<string, ControlRecord[]>();
  controller.onRecord((r) => {
    table.row(r.t, r.app, r.target, r.rate, r.utilization, r.period, r.reachable ? 1 : 0, r.note);
    let h = history.get(r.app);
    if (!h) history.set(r.app, (h = []));
    h.push(r);
  });
  return {
    metrics() {
      const m: Record<string, number | string | boolean> = {};
      for (const [app, h] of history) {
        const last = h.slice(-3);
        m[`${app}.target`] = h[h.length - 1].target;
        m[`${app}.rate`] = last.reduce((s, r) => s + r.rate, 0) / last.length;
        m[`${app}.utilization`] = h[h.length - 1].utilization;
        m[`${app}.period`] = h[h.length - 1].period;
        m[`${app}.reachable`] = h[h.length - 1].reachable;
      }
      return m;
    },
    figures() {
      const series = [...history].flatMap(([app, h]) => [
        { name: `${app} rate`, points: h.map((r) => [r.t, r.rate] as [number, number]) },
        { name: `${app} target`, points: h.map((r) => [r.t, r.target] as [number, number]), kind: "step" as const },
        { name: `${app} utilization`, points: h.map((r) => [r.t, r.utilization] as [number, number]), kind: "step" as const },
      ]);
      return { control: chart({ title: "Global rate control: rate, target and utilization", x: { label: "time (s)" }, y: { label: "fraction of dedicated rate / of CPU" }, series }) };
    },
  };
}
