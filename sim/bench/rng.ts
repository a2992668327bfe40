/** Draw rate of each seedrandom generator, to justify the default (Alea). */
import { Rng, type Algorithm } from "../kernel/index.js";
import { monotonicSeconds } from "../live/index.js";
import type { Bench } from "./bench.js";

export const rng: Bench = {
  name: "rng",
  description: "random draws per second for each seedrandom algorithm",
  params: { draws: 10_000_000, rounds: 3 },
  run(p) {
    const algorithms: Algorithm[] = ["alea", "xor4096", "tychei", "xorwow"];
    const best = new Map<Algorithm, number>();
    // Several rounds, best of each: the first round also pays for JIT warm-up.
    for (let round = 0; round < p.rounds; round++) {
      for (const alg of algorithms) {
        const r = new Rng("bench", 1, alg).random;
        let s = 0;
        const t0 = monotonicSeconds();
        for (let i = 0; i < p.draws; i++) s += r();
        const rate = p.draws / (monotonicSeconds() - t0);
        if (!(s > 0)) throw new Error("rng bench: no draws");
        best.set(alg, Math.max(best.get(alg) ?? 0, rate));
      }
    }
    return algorithms.map((alg) => ({ name: `rng.${alg}`, value: Math.round(best.get(alg)!), unit: "draws/s" }));
  },
};
