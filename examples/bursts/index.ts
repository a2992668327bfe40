/**
 * An example workload in one folder: a VM that must compute `ops` operations every `period`
 * seconds (a periodic job, e.g. a sensor's analysis). A burst still running when the next one
 * is due makes that next one missed. Its metrics say how long bursts took and how many were
 * missed.
 */
import { z } from "zod";
import { registerWorkload } from "../../sim/workload/index.js";

const schema = z.strictObject({
  kind: z.literal("bursts"),
  id: z.string(),
  vm: z.string().describe("the VM that computes"),
  ops: z.number().positive().describe("operations per burst"),
  period: z.number().positive().describe("seconds between burst releases"),
});

registerWorkload<z.output<typeof schema>>({
  kind: "bursts",
  schema,
  install(sim, spec, world) {
    const vm = world.vm(spec.vm);
    const times: number[] = [];
    let busy = false;
    let missed = 0;
    // Release k at k x period, from the index, so long runs do not drift.
    const release = (k: number) => {
      const at = k * spec.period;
      sim.scheduleAt(at, () => {
        if (busy) missed++;
        else {
          busy = true;
          vm.compute(spec.ops, () => {
            busy = false;
            times.push(sim.now - at);
          });
        }
        release(k + 1);
      });
    };
    release(0);
    return {
      metrics: () => ({
        bursts: times.length,
        missed,
        mean_s: times.length ? times.reduce((a, b) => a + b, 0) / times.length : 0,
        max_s: times.length ? Math.max(...times) : 0,
      }),
    };
  },
  // One release and one completion per period.
  events: (spec, duration) => (2 * duration) / spec.period,
});
