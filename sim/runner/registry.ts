/**
 * Policies by name: the runner installs the built-in ones, then every policy a scenario names
 * under `policies.extensions`, from this registry. A new policy is one folder that calls
 * `registerPolicy` once with its name, the schema of its settings and its install function;
 * its metrics are what the installed model reports. It sees the simulation through the ports
 * (a clock, CpuControl, and the models installed before it), as the built-in policies do.
 */
import type { z } from "zod";
import type { Simulation } from "../kernel/index.js";
import { SimCpuControl, type World } from "../platform/index.js";
import type { Clock, CpuControl } from "../ports/index.js";
import type { Scenario } from "../scenario/index.js";
import type { Model } from "../workload/index.js";

export interface PolicyContext<S> {
  /** The policy's settings, as its schema parsed them (defaults filled in). */
  spec: S;
  clock: Clock;
  cpu: CpuControl;
  /** Workloads and policies installed before this one, by id. */
  models: ReadonlyMap<string, Model>;
  scenario: Scenario;
  /** For the runner's own wiring; a policy should need only the ports above. */
  sim: Simulation;
  world: World;
}

export interface PolicyDefinition<S = unknown> {
  /** The key under `policies.extensions` and the metrics group in summary.json. */
  name: string;
  schema: z.ZodType<S>;
  install(ctx: PolicyContext<S>): Model | undefined;
}

const builtins = new Set(["vsched", "control", "vttif", "wren", "adapt", "vreserve", "user", "steering"]);
const registry = new Map<string, PolicyDefinition<any>>();

export function registerPolicy<S>(def: PolicyDefinition<S>): void {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(def.name)) throw new Error(`registerPolicy: "${def.name}" is not a name: a letter or _, then letters, digits, _ . -`);
  if (builtins.has(def.name)) throw new Error(`registerPolicy: "${def.name}" is a built-in policy`);
  if (registry.has(def.name)) throw new Error(`registerPolicy: a policy "${def.name}" is already registered`);
  registry.set(def.name, def);
}

/** Removes a registered policy (tests, and a host program that swaps one). */
export function unregisterPolicy(name: string): boolean {
  return registry.delete(name);
}

export function registeredPolicies(): string[] {
  return [...registry.keys()].sort();
}

/** The scenario's extension policies with their parsed settings, or every problem as `path: message`. */
export function extensionPolicies(scenario: Scenario): { defs: [PolicyDefinition<unknown>, unknown][]; problems: string[] } {
  const defs: [PolicyDefinition<unknown>, unknown][] = [];
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(scenario.policies.extensions ?? {})) {
    const def = registry.get(name);
    if (!def) {
      const known = registeredPolicies();
      problems.push(`policies.extensions.${name}: no policy "${name}" is registered (registered: ${known.join(", ") || "none"})`);
      continue;
    }
    const r = def.schema.safeParse(raw);
    if (r.success) defs.push([def, r.data]);
    else for (const issue of r.error.issues) problems.push(`${["policies", "extensions", name, ...issue.path.map(String)].join(".")}: ${issue.message}`);
  }
  return { defs, problems };
}

export function installExtension<S>(def: PolicyDefinition<S>, spec: S, sim: Simulation, world: World, scenario: Scenario, models: ReadonlyMap<string, Model>): Model | undefined {
  return def.install({ spec, clock: sim, cpu: new SimCpuControl(world), models, scenario, sim, world });
}
