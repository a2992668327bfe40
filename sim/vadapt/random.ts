/** Random adaptation instances, for the algorithm figures and property tests. */
import type { Rng } from "../kernel/index.js";
import { link, type Problem } from "./problem.js";

export interface RandomSpec {
  vms: number;
  hosts: number;
  /** Probability that two VMs communicate. */
  density: number;
  maxHops?: number;
  /** VMs per host. */
  slots?: number;
}

export function randomProblem(rng: Rng, s: RandomSpec): Problem {
  const H = s.hosts;
  const bandwidth = new Float64Array(H * H), latency = new Float64Array(H * H);
  for (let a = 0; a < H; a++) {
    for (let b = a + 1; b < H; b++) {
      bandwidth[link(a, b, H)] = 1e6 * (1 + Math.floor(rng.random() * 100));
      latency[link(a, b, H)] = 1e-4 + rng.random() * 0.05;
    }
  }
  const edges = [];
  for (let a = 0; a < s.vms; a++) for (let b = a + 1; b < s.vms; b++) if (rng.random() < s.density) edges.push({ a, b, demand: 1e5 * (1 + Math.floor(rng.random() * 50)) });
  const slots = s.slots ?? Math.ceil(s.vms / H);
  return {
    vms: Array.from({ length: s.vms }, (_, i) => `vm${i}`),
    hosts: Array.from({ length: H }, (_, i) => `h${i}`),
    edges,
    compute: new Float64Array(s.vms).fill(1),
    capacity: new Float64Array(H).fill(slots),
    bandwidth,
    latency,
    localBandwidth: 2e8,
    pinned: new Int32Array(s.vms).fill(-1),
    maxHops: s.maxHops ?? 2,
    latencyWeight: 1e6,
  };
}
