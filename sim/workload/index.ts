import type { Simulation } from "../kernel/index.js";
import type { World } from "../platform/index.js";
import { installBatch } from "./batch.js";
import { installBsp } from "./bsp.js";
import { installInteractive } from "./interactive.js";
import { installMm1 } from "./mm1.js";
import { installCross, installNoise } from "./noise.js";
import type { Model } from "./model.js";
import { installPhold } from "./phold.js";
import { installPing } from "./ping.js";
import type { WorkloadSpec } from "./schema.js";
import { workloadDefinition } from "./registry.js";
import type { Installer } from "./model.js";
import { installWeb } from "./web.js";

export * from "./schema.js";
export type { Model, Installer } from "./model.js";
export { registerWorkload, unregisterWorkload, workloadKinds, workloadDefinition, type WorkloadDefinition } from "./registry.js";
export type { BspApp } from "./bsp.js";
export { patternNames, patternPhases, meshShape, torusShape, type Pattern } from "./patterns.js";
export { installCross, installNoise, installMm1, installPhold, installBsp, installBatch, installInteractive, installWeb, installPing };

/** The built-in kinds' install functions; their schemas are in schema.ts. */
const builtinInstall: Record<WorkloadSpec["kind"], Installer<any>> = {
  mm1: installMm1,
  phold: installPhold,
  bsp: installBsp,
  batch: installBatch,
  interactive: installInteractive,
  web: installWeb,
  ping: installPing,
  noise: installNoise,
  cross: installCross,
};

/** Installs one workload through its kind's definition (built-in or registered). */
export function installWorkload(sim: Simulation, spec: WorkloadSpec, world: World): Model {
  const install = builtinInstall[spec.kind] ?? workloadDefinition(spec.kind)?.install;
  if (!install) throw new Error(`no workload kind "${spec.kind}" is registered`);
  return install(sim, spec, world);
}
