/** An interactive user: think, then ask for a burst of work; the response time is measured. */
import { quantile } from "../../analysis/quantile.js";
import type { Simulation } from "../kernel/index.js";
import type { World } from "../platform/index.js";
import type { Model } from "./model.js";
import type { InteractiveSpec } from "./schema.js";

export function installInteractive(sim: Simulation, spec: InteractiveSpec, world: World): Model & { observe(fn: (response: number) => void): void } {
  const vm = world.vm(spec.vm);
  const think = sim.rng(`${spec.id}.think`);
  const table = sim.trace.table(`${spec.id}.responses`, { t: "f64", response_s: "f64" });
  const responses: number[] = [];
  const observers: ((response: number) => void)[] = [];
  const request = () => {
    const asked = sim.now;
    vm.compute(spec.burstOps, () => {
      responses.push(sim.now - asked);
      table.row(asked, sim.now - asked);
      for (const o of observers) o(sim.now - asked);
      sim.schedule(think.exponential(1 / spec.thinkTime), request);
    });
  };
  sim.scheduleAt(spec.start + think.exponential(1 / spec.thinkTime), request);
  return {
    /** A person at this VM perceives each response as it completes (policies.user). */
    observe(fn: (response: number) => void) {
      observers.push(fn);
    },
    metrics() {
      return {
        requests: responses.length,
        mean_response_s: responses.reduce((a, b) => a + b, 0) / responses.length,
        p50_response_s: quantile(responses, 0.5),
        p95_response_s: quantile(responses, 0.95),
        p99_response_s: quantile(responses, 0.99),
      };
    },
  };
}
