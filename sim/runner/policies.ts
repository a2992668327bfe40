/**
 * Wiring policies to the simulated platform: the composition root is the only place that
 * knows both sides of the ports.
 */
import { AdaptLoop, RateController, VReserve, type ControlRecord } from "../control/index.js";
import type { Simulation } from "../kernel/index.js";
import { DispatchedCpu, SimCpuControl, SimLightpaths, SimLoadSensor, SimMessenger, SimNetControl, SimTrafficTap, type SchedulerFactory, type World } from "../platform/index.js";
import { edgeList, Vttif } from "../vttif/index.js";
import { Wren } from "../wren/index.js";
import type { Scenario } from "../scenario/index.js";
import { VSched, type BudgetRule, type PeriodRecord } from "../vsched/index.js";
import type { Model } from "../workload/index.js";
import type { CpuDispatch } from "../ports/index.js";
import { installUsers } from "../user/index.js";
import { installSteering } from "../steer/index.js";
import { controlFigure } from "./figures.js";
import { trafficGraph } from "../../analysis/graph.js";

/** `tap` may wrap each host's dispatch port (to record dispatches for a timeline). */
export function schedulerFactories(vsched: { budget?: BudgetRule } = {}, tap?: (host: string, d: CpuDispatch) => CpuDispatch): Record<string, SchedulerFactory> {
  return {
    vsched: (spec) =>
      new DispatchedCpu(
        "vsched",
        (host, dispatch) =>
          new VSched(host.sim, tap ? tap(host.id, dispatch) : dispatch, {
            cores: spec.cores,
            tick: spec.tick,
            uMax: spec.uMax,
            overheadReserve: spec.overheadReserve,
            admission: spec.admission,
            dispatchOverhead: spec.dispatchOverhead,
            budget: vsched.budget,
          }),
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
      return { control: controlFigure(history, scenario, "Global rate control: rate, target and utilization", "time (s)") };
    },
  };
}

/** Starts VTTIF over the overlay daemons' counters; reports go to tables and a graph figure. */
export function installVttif(sim: Simulation, world: World, scenario: Scenario): (Model & { vttif: Vttif }) | undefined {
  const spec = scenario.policies.vttif;
  if (!spec.enabled) return undefined;
  const aggregator = spec.aggregator ?? scenario.platform.overlay.proxy ?? scenario.platform.hosts[0]?.id;
  if (!aggregator) throw new Error("policies.vttif: no host to aggregate on");
  // Applications are the workloads that name their VMs as one distributed program.
  const apps = scenario.workloads.flatMap((w) => (w.kind === "bsp" ? [{ id: w.id, vms: w.vms }] : w.kind === "web" ? [{ id: w.id, vms: [w.client, w.web, w.db] }] : []));
  const vttif = new Vttif(sim, new SimTrafficTap(world), new SimMessenger(world), { ...spec, aggregator, apps });
  const reports = sim.trace.table("vttif.reports", { t: "f64", topology: "str", confidence: "f64", vms: "i32", edges: "i32", app: "str" });
  const matrices = sim.trace.table("vttif.matrices", { report: "i32", src: "str", dst: "str", weight: "f64" });
  vttif.onReport((r) => {
    reports.row(r.t, r.topology, r.confidence, r.vms.length, r.src.length, r.app);
    for (const [a, b, w] of edgeList(r)) matrices.row(vttif.reports.length - 1, a, b, w);
  });
  return {
    vttif,
    metrics() {
      const last = vttif.current;
      return {
        reports: vttif.reports.length,
        topology: last?.topology ?? "none",
        confidence: last?.confidence ?? 0,
        first_report_s: vttif.reports[0]?.t ?? NaN,
        control_bytes: vttif.controlBytes,
        ...(vttif.apps.length > 1 ? Object.fromEntries(vttif.apps.map((a) => [`topology.${a}`, vttif.latest(a)?.topology ?? "none"])) : {}),
      };
    },
    figures(): Record<string, string> {
      const last = vttif.current;
      if (!last) return {};
      return {
        "vttif.graph": trafficGraph({ title: `VTTIF: inferred ${last.topology}`, subtitle: `at ${last.t.toFixed(1)} s, confidence ${last.confidence.toFixed(2)}`, nodes: last.vms, edges: edgeList(last) }),
      };
    },
  };
}

/** Starts Wren on the overlay's transfer observations; its table is written every interval. */
export function installWren(sim: Simulation, world: World, scenario: Scenario): (Model & { wren: Wren }) | undefined {
  const spec = scenario.policies.wren;
  if (!spec.enabled) return undefined;
  const wren = new Wren(sim, new SimTrafficTap(world), sim.rng("wren.noise"), spec);
  const table = sim.trace.table("wren.estimates", { t: "f64", src: "str", dst: "str", bandwidth: "f64", latency: "f64", samples: "i32", age: "f64" });
  sim.every(spec.exportInterval, () => {
    for (const e of wren.table()) table.row(sim.now, e.src, e.dst, e.bandwidth, e.latency, e.samples, e.age);
  });
  return { wren, metrics: () => ({ observed: wren.observed, pairs: wren.table().length }) };
}

/** The VADAPT loop over VTTIF and Wren; decisions go to the `adapt.decisions` table. */
export function installAdapt(sim: Simulation, world: World, scenario: Scenario, vttif: Vttif | undefined, wren: Wren | undefined): (Model & { loop: AdaptLoop }) | undefined {
  const spec = scenario.policies.adapt;
  if (!spec?.enabled) return undefined;
  if (!vttif || !wren) throw new Error("policies.adapt needs policies.vttif and policies.wren enabled");
  const net = new SimNetControl(world);
  const app = scenario.workloads.find((w) => w.id === spec.app);
  const work = app?.kind === "bsp" ? app.supersteps * (app.sequence ?? [{ supersteps: 1 }]).reduce((n, s) => n + s.supersteps, 0) : undefined;
  const loop = new AdaptLoop({ clock: sim, placement: net, net, cpu: new SimCpuControl(world), vttif, wren, rng: sim.rng("adapt"), proxy: scenario.platform.overlay.proxy, work, load: new SimLoadSensor(world) }, spec);
  return { loop, metrics: () => loop.metrics() };
}

/** Writes the loop's decision log (called once the run has ended, so realised effects are in). */
export function adaptTable(sim: Simulation, loop: AdaptLoop): void {
  const t = sim.trace.table("adapt.decisions", { t: "f64", algorithm: "str", current: "f64", proposed: "f64", gain: "f64", cost: "f64", applied: "i32", migrations: "i32", routes: "i32", reason: "str", remaining_s: "f64", migration_s: "f64", rate_before: "f64", rate_after: "f64" });
  for (const d of loop.decisions) t.row(d.t, d.algorithm, d.current, d.proposed, d.gain, d.cost, d.applied ? 1 : 0, d.migrations, d.routes, d.reason, d.remaining, d.migrationTime, d.rateBefore, d.rateAfter);
}

/** VRESERVE over VTTIF and Wren; lightpath requests and set-ups go to `vreserve.log`. */
export function installVReserve(sim: Simulation, world: World, scenario: Scenario, vttif: Vttif | undefined, wren: Wren | undefined): Model | undefined {
  const spec = scenario.policies.vreserve;
  if (!spec.enabled) return undefined;
  if (!vttif || !wren) throw new Error("policies.vreserve needs policies.vttif and policies.wren enabled");
  const net = new SimNetControl(world);
  const v = new VReserve({ clock: sim, vttif, wren, net, placement: net, lightpaths: new SimLightpaths(world, spec.setupDelay, spec.bandwidth, spec.latency) }, spec);
  const table = sim.trace.table("vreserve.log", { t: "f64", a: "str", b: "str", event: "str", demand: "f64", path_bandwidth: "f64" });
  v.onEvent((e) => table.row(e.t, e.a, e.b, e.event, e.demand, e.pathBandwidth));
  return { metrics: () => ({ requested: v.log.filter((e) => e.event === "requested").length, ready: v.log.filter((e) => e.event === "ready").length, first_ready_s: v.log.find((e) => e.event === "ready")?.t ?? NaN }) };
}

export interface BuiltinContext {
  sim: Simulation;
  world: World;
  scenario: Scenario;
  /** Models installed so far, by id. */
  models: ReadonlyMap<string, Model>;
}

/** The built-in policies in install order: the runner iterates this list, then the registered extensions. */
export const builtinPolicies: readonly { name: string; install(c: BuiltinContext): Model | undefined }[] = [
  { name: "vsched", install: (c) => installVSched(c.sim, c.world, c.scenario) },
  { name: "control", install: (c) => installRateControl(c.sim, c.world, c.scenario) },
  { name: "vttif", install: (c) => installVttif(c.sim, c.world, c.scenario) },
  { name: "wren", install: (c) => installWren(c.sim, c.world, c.scenario) },
  { name: "adapt", install: (c) => installAdapt(c.sim, c.world, c.scenario, vttifOf(c), wrenOf(c)) },
  { name: "vreserve", install: (c) => installVReserve(c.sim, c.world, c.scenario, vttifOf(c), wrenOf(c)) },
  { name: "user", install: (c) => installUsers(c.sim, c.world, c.scenario, c.models) },
  { name: "steering", install: (c) => installSteering(c.sim, c.world, c.scenario, c.models) },
];

function vttifOf(c: BuiltinContext): Vttif | undefined {
  return (c.models.get("vttif") as (Model & { vttif?: Vttif }) | undefined)?.vttif;
}

function wrenOf(c: BuiltinContext): Wren | undefined {
  return (c.models.get("wren") as (Model & { wren?: Wren }) | undefined)?.wren;
}
