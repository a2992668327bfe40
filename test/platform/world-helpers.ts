/** Builds a simulated world straight from a scenario document, for platform tests. */
import { Simulation } from "../../sim/kernel/index.js";
import { World } from "../../sim/platform/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import { installWorkload, type Model } from "../../sim/workload/index.js";

export function world(doc: Record<string, unknown>): { sim: Simulation; world: World; models: Model[] } {
  const scenario = parseScenario({ name: "t", duration: 1e6, ...doc });
  const sim = new Simulation(scenario.seed);
  const w = new World(sim, scenario);
  const models = scenario.workloads.map((spec) => installWorkload(sim, spec, w));
  return { sim, world: w, models };
}

export const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

/** A crossbar: n hosts, each with its own link to one non-blocking switch. */
export function crossbar(n: number, bandwidth = 125e6, latency = 50e-6, extra: Record<string, unknown> = {}) {
  return {
    platform: {
      hosts: [{ id: "h", count: n, speed: 1e9 }],
      network: { topology: { kind: "switch", bandwidth, latency } },
      ...extra,
    },
    vms: Array.from({ length: n }, (_, i) => ({ id: `vm${i}`, host: `h${i}` })),
  };
}
