/**
 * PHOLD: the classic kernel benchmark. Each event at an LP schedules one event at a uniformly
 * random LP at now + lookahead + Exp(mean). Uses the callback fast path only.
 */
import type { Simulation } from "../kernel/index.js";
import type { Model } from "./model.js";
import type { PholdSpec } from "./schema.js";

export function installPhold(sim: Simulation, spec: PholdSpec): Model {
  const random = sim.rng(`${spec.id}.phold`).random;
  const { lps, lookahead, meanDelay } = spec;
  const received = new Float64Array(lps);
  const handle = (lp: number) => {
    received[lp]++;
    sim.schedule(lookahead - meanDelay * Math.log(1 - random()), handle, Math.floor(random() * lps));
  };
  for (let lp = 0; lp < lps; lp++) {
    for (let k = 0; k < spec.init; k++) sim.schedule(lookahead - meanDelay * Math.log(1 - random()), handle, lp);
  }
  return {
    metrics() {
      let total = 0, max = 0;
      for (const r of received) {
        total += r;
        if (r > max) max = r;
      }
      return { events: total, events_per_lp: total / lps, max_lp_events: max };
    },
  };
}
