/** VADAPT at scale: GH on 256 VMs / 64 hosts, and 10,000 SA moves on the same instance. */
import { Rng } from "../kernel/index.js";
import { monotonicSeconds } from "../live/index.js";
import { anneal, greedy, randomProblem } from "../vadapt/index.js";
import type { Bench } from "./bench.js";

export const vadapt: Bench = {
  name: "vadapt",
  description: "greedy heuristic on 256 VMs / 64 hosts (about 4 partners per VM), then 10,000 annealing moves",
  params: { vms: 256, hosts: 64, partners: 4, moves: 10_000, maxHops: 2, seed: 1 },
  run(p) {
    const problem = randomProblem(new Rng("bench.vadapt", p.seed), { vms: p.vms, hosts: p.hosts, density: p.partners / (p.vms - 1), maxHops: p.maxHops });
    const t0 = monotonicSeconds();
    const gh = greedy(problem);
    const tGh = monotonicSeconds() - t0;
    const t1 = monotonicSeconds();
    const sa = anneal(problem, gh.solution, new Rng("bench.sa", p.seed), { iterations: p.moves, t0: 0.05, alpha: 0.9995, swap: 1, move: 1, reroute: 1, traceEvery: 1000 });
    const tSa = monotonicSeconds() - t1;
    return [
      { name: "vadapt.gh_ms", value: Math.round(tGh * 1e4) / 10, unit: "ms" },
      { name: "vadapt.sa_ms", value: Math.round(tSa * 1e4) / 10, unit: "ms" },
      { name: "vadapt.sa_moves_per_s", value: Math.round(p.moves / tSa), unit: "moves/s" },
      { name: "vadapt.edges", value: problem.edges.length, unit: "VM pairs" },
      { name: "vadapt.sa_gain", value: Math.round((sa.objective / gh.objective - 1) * 1e4) / 1e4, unit: "fraction over GH" },
    ];
  },
};
