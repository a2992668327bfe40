/** A CPU-bound batch job: a fixed amount of work, or work without end for throughput. */
import type { Simulation } from "../kernel/index.js";
import type { World } from "../platform/index.js";
import type { Model } from "./model.js";
import type { BatchSpec } from "./schema.js";

export function installBatch(sim: Simulation, spec: BatchSpec, world: World): Model {
  const vm = world.vm(spec.vm);
  let end = NaN;
  let opsAtStart = 0;
  sim.scheduleAt(spec.start, () => {
    vm.settle();
    opsAtStart = vm.opsDone;
    vm.compute(spec.ops ?? Infinity, () => (end = sim.now));
  });
  return {
    metrics() {
      vm.settle();
      const ops = vm.opsDone - opsAtStart;
      const elapsed = (Number.isFinite(end) ? end : sim.now) - spec.start;
      return { ops, throughput_ops_s: elapsed > 0 ? ops / elapsed : 0, finished: Number.isFinite(end), runtime_s: end - spec.start };
    },
  };
}
