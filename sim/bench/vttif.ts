/** One VTTIF inference step on a large traffic matrix (smoothing, normalising, pruning, classifying). */
import { Simulation } from "../kernel/index.js";
import { monotonicSeconds } from "../live/index.js";
import type { TrafficSample } from "../ports/index.js";
import { Vttif } from "../vttif/index.js";
import type { Bench } from "./bench.js";

export const vttif: Bench = {
  name: "vttif",
  description: "VTTIF update on an all-to-all traffic matrix of 1,024 VMs (about 1M pairs)",
  params: { vms: 1024, updates: 5, window: 5, seed: 1 },
  run(p) {
    const sim = new Simulation(p.seed);
    const rng = sim.rng("bench.vttif");
    const names = Array.from({ length: p.vms }, (_, i) => `vm${i}`);
    const none = { hosts: () => [], read: () => [], send: () => {} };
    const v = new Vttif(sim, { hosts: none.hosts, read: none.read }, { send: none.send }, { interval: 1, window: p.window, threshold: 0.1, damping: 1, aggregator: "x", reportHeader: 0, entryBytes: 0 });
    const interval = (): TrafficSample[] => {
      const out: TrafficSample[] = [];
      for (let a = 0; a < p.vms; a++) for (let b = 0; b < p.vms; b++) if (a !== b) out.push({ src: names[a], dst: names[b], bytes: 1e6 * (1 + 0.1 * rng.random()) });
      return out;
    };
    // Fill the window first, so each timed update also drops an old interval.
    for (let i = 0; i < p.window; i++) v.update(interval());
    let total = 0;
    let topology = "";
    for (let i = 0; i < p.updates; i++) {
      const samples = interval();
      const t0 = monotonicSeconds();
      topology = v.update(samples).topology;
      total += monotonicSeconds() - t0;
    }
    if (topology !== "all-to-all") throw new Error(`vttif bench: inferred ${topology}`);
    return [{ name: "vttif", value: Math.round((total / p.updates) * 1e4) / 10, unit: "ms" }];
  },
};
