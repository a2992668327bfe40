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
import { installWeb } from "./web.js";

export * from "./schema.js";
export type { Model, Installer } from "./model.js";
export type { BspApp } from "./bsp.js";
export { patternNames, patternPhases, meshShape, torusShape, type Pattern } from "./patterns.js";
export { installCross, installNoise, installMm1, installPhold, installBsp, installBatch, installInteractive, installWeb, installPing };

export function installWorkload(sim: Simulation, spec: WorkloadSpec, world: World): Model {
  switch (spec.kind) {
    case "mm1":
      return installMm1(sim, spec);
    case "phold":
      return installPhold(sim, spec);
    case "bsp":
      return installBsp(sim, spec, world);
    case "batch":
      return installBatch(sim, spec, world);
    case "interactive":
      return installInteractive(sim, spec, world);
    case "web":
      return installWeb(sim, spec, world);
    case "ping":
      return installPing(sim, spec, world);
    case "noise":
      return installNoise(sim, spec, world);
    case "cross":
      return installCross(sim, spec, world);
  }
}
