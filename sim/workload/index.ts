import type { Simulation } from "../kernel/index.js";
import type { Model } from "./model.js";
import { installMm1 } from "./mm1.js";
import { installPhold } from "./phold.js";
import type { WorkloadSpec } from "./schema.js";

export { workloadSchema, type WorkloadSpec, type Mm1Spec, type PholdSpec } from "./schema.js";
export type { Model, Installer } from "./model.js";
export { installMm1, installPhold };

export function installWorkload(sim: Simulation, spec: WorkloadSpec): Model {
  switch (spec.kind) {
    case "mm1":
      return installMm1(sim, spec);
    case "phold":
      return installPhold(sim, spec);
  }
}
