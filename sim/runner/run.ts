/**
 * One scenario, one run: build the world, install the workloads, simulate, and stage the
 * output files. Nothing is written to disk here; the caller commits the OutputDir.
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { OutputDir } from "../../analysis/output.js";
import { tidyCsv, tidyMetrics } from "../../analysis/tidy.js";
import { layout, MAX_NODES, topologyFigure, topologySteps } from "../../analysis/topology.js";
import { platformPicture } from "./topology.js";
import { runFigures } from "./figures.js";
import { Simulation, type Timeline } from "../kernel/index.js";
import { World } from "../platform/index.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import { installWorkload, type Model } from "../workload/index.js";
import type { Provenance } from "./provenance.js";
import { DispatchTap, gatherTimeline } from "./timeline.js";
import { extensionPolicies, installExtension } from "./registry.js";
import { adaptTable, builtinPolicies, type installAdapt, schedulerFactories } from "./policies.js";

export interface Summary {
  scenario: string;
  seed: number;
  simulated_s: number;
  events: number;
  wall_s?: number;
  provenance?: Provenance;
  metrics: Record<string, Record<string, number | string | boolean>>;
}

export interface RunOptions {
  progress?: (now: number) => void;
  /** Folder the scenario came from: relative paths inside it are read from there. */
  baseDir?: string;
  /** Called once everything is installed, before simulating: to add probes or events. */
  beforeRun?: (sim: Simulation, world: World) => void;
  /** Record dispatches, migrations, policy decisions and flows here, for a trace viewer. */
  timeline?: Timeline;
}

export interface RunResult {
  summary: Summary;
  sim: Simulation;
  world: World;
  /** Installed workloads and policies, by id. */
  models: Map<string, Model>;
  /** Files to write, by name relative to the output folder. */
  stage(dir: string, extra?: Partial<Summary>): OutputDir;
}

interface Installed {
  sim: Simulation;
  world: World;
  models: [string, Model][];
  adapt?: ReturnType<typeof installAdapt>;
  tap?: DispatchTap;
  /** Flows recorded only for the timeline: their table is not written. */
  flowsForTimeline: boolean;
}

/** Builds the world and installs every workload and policy, without simulating. */
function install(scenario: Scenario, opts: RunOptions): Installed {
  const sim = new Simulation(scenario.seed);
  const tap = opts.timeline ? new DispatchTap(opts.timeline) : undefined;
  // A timeline shows flows: record them even if the scenario does not ask for their table.
  const flowsForTimeline = !!opts.timeline && !scenario.platform.network.traceFlows;
  const built = flowsForTimeline ? { ...scenario, platform: { ...scenario.platform, network: { ...scenario.platform.network, traceFlows: true } } } : scenario;
  const world = new World(sim, built, { baseDir: opts.baseDir, schedulers: schedulerFactories(scenario.policies.vsched, tap && ((host, d) => tap.patch(host, () => sim.now, d))) });
  const models: [string, Model][] = scenario.workloads.map((w) => [w.id, installWorkload(sim, w, world)]);
  // The built-in policies, in their fixed order; each sees the models installed before it.
  for (const p of builtinPolicies) {
    const m = p.install({ sim, world, scenario, models: new Map(models) });
    if (m) models.push([p.name, m]);
  }
  // The policy, not a workload that happens to share its id (policies come last, so win in the map).
  const adapt = scenario.policies.adapt?.enabled ? (new Map(models).get("adapt") as ReturnType<typeof installAdapt>) : undefined;
  // Registered policies the scenario names, in its order, after the built-in ones.
  const { defs, problems } = extensionPolicies(scenario);
  if (problems.length) throw new ScenarioError(problems);
  for (const [def, spec] of defs) {
    const m = installExtension(def, spec, sim, world, scenario, new Map(models));
    if (m) models.push([def.name, m]);
  }
  return { sim, world, models, adapt, tap, flowsForTimeline };
}

/** Names of the tables a run of this installed scenario can write. */
function tableNames(x: Installed): string[] {
  const names = x.sim.trace.all().map((t) => t.name).filter((n) => !(x.flowsForTimeline && n === "flows"));
  if (x.world.topo.resourceCount > 0) names.push("links");
  if (x.world.hosts.size > 0) names.push("hosts");
  if (x.adapt) names.push("adapt.decisions");
  if (x.adapt && x.world.scenario.policies.adapt?.mode === "migrate") names.push("migrations");
  return names;
}

/**
 * Problems only an installed world can show: table names in `outputs.tables` that nothing in
 * this scenario produces. Builds the world but simulates nothing.
 */
export function outputProblems(scenario: Scenario, opts: RunOptions = {}): string[] {
  const extensions = extensionPolicies(scenario).problems;
  if (extensions.length) return extensions;
  if (!scenario.outputs.tables || scenario.experiment) return [];
  return tableProblems(scenario, tableNames(install(scenario, opts)));
}

function tableProblems(scenario: Scenario, known: string[]): string[] {
  const out: string[] = [];
  scenario.outputs.tables?.forEach((name, i) => {
    if (known.includes(name)) return;
    const near = known.find((k) => k.toLowerCase() === name.toLowerCase() || k.endsWith(`.${name}`) || name.endsWith(`.${k}`));
    out.push(`outputs.tables.${i}: no table "${name}" in this scenario${near ? `; did you mean "${near}"?` : ""} (it has: ${known.join(", ") || "none"})`);
  });
  return out;
}

export function runScenario(scenario: Scenario, opts: RunOptions = {}): RunResult {
  const started = startScenario(scenario, opts);
  started.sim.run({ until: scenario.duration, progress: opts.progress });
  return started.finish();
}

/** A run installed but not simulated: the caller advances `sim` (e.g. paced, in steps), then finishes. */
export interface StartedRun {
  sim: Simulation;
  world: World;
  models: ReadonlyMap<string, Model>;
  finish(): RunResult;
}

export function startScenario(scenario: Scenario, opts: RunOptions = {}): StartedRun {
  const installed = install(scenario, opts);
  const { sim, world, models } = installed;
  const wrong = tableProblems(scenario, tableNames(installed));
  if (wrong.length) throw new ScenarioError(wrong);
  opts.beforeRun?.(sim, world);
  return { sim, world, models: new Map(models), finish: () => finishRun(scenario, opts, installed) };
}

function finishRun(scenario: Scenario, opts: RunOptions, installed: Installed): RunResult {
  const { sim, world, models, adapt, tap, flowsForTimeline } = installed;
  if (adapt) adaptTable(sim, adapt.loop);
  if (opts.timeline) {
    tap?.close(sim.now);
    gatherTimeline(opts.timeline, sim, world, scenario, adapt?.loop);
  }
  const metrics: Summary["metrics"] = {};
  for (const [id, m] of models) metrics[id] = m.metrics();
  const summary: Summary = { scenario: scenario.name, seed: scenario.seed, simulated_s: sim.now, events: sim.events, metrics };
  return {
    summary,
    sim,
    world,
    models: new Map(models),
    stage(dir, extra = {}) {
      const out = new OutputDir(dir);
      out.add("scenario.json", JSON.stringify(scenario, null, 2) + "\n");
      const select = scenario.outputs.tables;
      for (const t of sim.trace.all()) if ((!select || select.includes(t.name)) && !(flowsForTimeline && t.name === "flows")) out.add(`${t.name}.csv`, toCsv(t.rows()));
      for (const [name, rows] of Object.entries(platformTables(world))) if (!select || select.includes(name)) out.add(`${name}.csv`, toCsv(rows));
      if (scenario.outputs.figures) {
        for (const [, m] of models) for (const [name, svg] of Object.entries(m.figures?.() ?? {})) out.add(`${name}.svg`, svg);
        for (const [name, svg] of Object.entries(runFigures(sim, scenario, new Map(models), adapt?.loop))) out.add(`${name}.svg`, svg);
        if (world.topo.nodes.length <= MAX_NODES) {
          const picture = platformPicture(world, scenario);
          const at = layout(picture);
          out.add("topology.svg", topologyFigure(picture, at));
          const steps = topologySteps(picture, 6, at);
          if (steps) out.add("topology.steps.svg", steps);
        }
      }
      const { metrics: _, ...head } = summary;
      out.add("summary.json", JSON.stringify({ ...head, ...extra, metrics }, null, 2) + "\n");
      out.add("metrics.csv", tidyCsv(tidyMetrics(metrics, new Set([...world.vms.keys(), ...world.hosts.keys(), ...models.map(([id]) => id)]))));
      return out;
    },
  };
}

/** Platform statistics worth a table: per link, per host, per migration. */
function platformTables(world: World): Record<string, ReturnType<typeof recordsToRows>> {
  const tables: Record<string, ReturnType<typeof recordsToRows>> = {};
  if (world.topo.resourceCount > 0) tables.links = recordsToRows(world.linkStats(), ["resource", "capacity", "bytes", "utilization"]);
  if (world.hosts.size > 0) {
    const hosts = [...world.hosts.values()].map((h) => ({ host: h.id, cores: h.cores, speed: h.speed, utilization: h.utilization() }));
    tables.hosts = recordsToRows(hosts, ["host", "cores", "speed", "utilization"]);
  }
  if (world.migrations.length > 0 || world.scenario.outputs.tables?.includes("migrations")) {
    tables.migrations = recordsToRows(world.migrations, ["vm", "from", "to", "start", "end", "total_s", "downtime_s", "bytes", "rounds"]);
  }
  return tables;
}
