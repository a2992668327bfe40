/** What an installed workload gives back to the run: its figures of merit and pictures. */
import type { Simulation } from "../kernel/index.js";
import type { World } from "../platform/index.js";

export interface Model {
  metrics(): Record<string, number | string | boolean>;
  /** SVG figures, by file stem. */
  figures?(): Record<string, string>;
}

export type Installer<S> = (sim: Simulation, spec: S, world: World) => Model;
