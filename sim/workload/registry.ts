/**
 * Workload kinds by name. The built-in kinds and those a program registers with
 * `registerWorkload` are one list: the scenario schema accepts every registered kind under
 * `workloads` (checked by its own schema, problems reported with their paths), and the runner
 * installs each workload through its kind's definition.
 */
import { z } from "zod";
import type { Installer } from "./model.js";

export interface WorkloadDefinition<S extends { kind: string; id: string } = any> {
  /** The `kind` a scenario names; its schema's `kind` must be this literal. */
  kind: string;
  /** A z.strictObject with `kind: z.literal(KIND)` and `id`; fields named vm, vms, src, dst,
   * client, web, db are checked as VM names and from, to as host names, as for the built-ins. */
  schema: z.ZodObject<any>;
  /** Installs one workload into the simulation; its model's metrics go into summary.json. */
  install: Installer<S>;
  /** An upper estimate of the events it causes in `duration` seconds, for the pre-run budget. */
  events?(spec: S, duration: number): number;
}

const definitions = new Map<string, WorkloadDefinition>();
const builtin = new Set<string>();
let version = 0;

function check(def: WorkloadDefinition, who: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(def.kind)) throw new Error(`${who}: "${def.kind}" is not a name: a letter or _, then letters, digits, _ . -`);
  const kind = def.schema?.shape?.kind;
  if (!(kind instanceof z.ZodLiteral) || kind.value !== def.kind) throw new Error(`${who}: the schema of "${def.kind}" needs kind: z.literal("${def.kind}")`);
  if (!def.schema.shape.id) throw new Error(`${who}: the schema of "${def.kind}" needs an id field`);
  if (definitions.has(def.kind)) throw new Error(`${who}: ${builtin.has(def.kind) ? "a built-in" : "a"} workload kind "${def.kind}" is already registered`);
}

/** The built-in kinds' schemas, once, by sim/workload/schema.ts (their install functions are
 * in sim/workload/index.ts, which imports the models). */
export function defineBuiltinWorkloads(schemas: readonly z.ZodObject<any>[]): void {
  for (const schema of schemas) {
    const kind = (schema.shape.kind as z.ZodLiteral<string>).value;
    const def = { kind, schema, install: () => { throw new Error(`built-in workload "${kind}" is installed by installWorkload`); } };
    check(def, "defineBuiltinWorkloads");
    definitions.set(kind, def);
    builtin.add(kind);
  }
  version++;
}

export function isBuiltinWorkload(kind: string): boolean {
  return builtin.has(kind);
}

export function registerWorkload<S extends { kind: string; id: string }>(def: WorkloadDefinition<S>): void {
  check(def, "registerWorkload");
  definitions.set(def.kind, def);
  version++;
}

/** Removes a registered kind (tests, and a host program that swaps one); built-ins stay. */
export function unregisterWorkload(kind: string): boolean {
  if (builtin.has(kind) || !definitions.delete(kind)) return false;
  version++;
  return true;
}

export function workloadKinds(): string[] {
  return [...definitions.keys()];
}

export function workloadDefinition(kind: string): WorkloadDefinition | undefined {
  return definitions.get(kind);
}

/** Kinds registered beyond the built-in ones, with a version that changes on every change. */
export function registeredWorkloads(): { version: number; kinds: string[] } {
  return { version, kinds: [...definitions.keys()].filter((k) => !builtin.has(k)) };
}

/** One discriminated union over every kind registered now. */
export function workloadUnion(): z.ZodType {
  const options = [...definitions.values()].map((d) => d.schema);
  return z.discriminatedUnion("kind", options as [z.ZodObject<any>, ...z.ZodObject<any>[]]);
}
