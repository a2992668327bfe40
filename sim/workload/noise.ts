/** Background traffic: Poisson messages between random VM pairs, and constant-rate cross streams. */
import type { Simulation } from "../kernel/index.js";
import type { Flow, World } from "../platform/index.js";
import type { Model } from "./model.js";
import type { CrossSpec, NoiseSpec } from "./schema.js";

export function installNoise(sim: Simulation, spec: NoiseSpec, world: World): Model {
  const vms = spec.vms.map((v) => world.vm(v));
  const rng = sim.rng(`${spec.id}.noise`);
  let sent = 0;
  const next = () => {
    const a = rng.int(vms.length);
    const b = (a + 1 + rng.int(vms.length - 1)) % vms.length;
    world.send(vms[a], vms[b], spec.messageBytes);
    sent++;
    sim.schedule(rng.exponential(spec.rate), next);
  };
  sim.scheduleAt(spec.start + rng.exponential(spec.rate), next);
  return { metrics: () => ({ messages: sent, bytes: sent * spec.messageBytes }) };
}

/**
 * Cross traffic between two hosts at a set rate, like a UDP stream: an inelastic flow that
 * takes its rate first, leaving capacity minus that rate to the elastic flows on its links.
 */
export function installCross(sim: Simulation, spec: CrossSpec, world: World): Model & { rateAt(t: number): number } {
  const from = world.host(spec.from).node, to = world.host(spec.to).node;
  let flow: Flow | undefined;
  const steps = [...spec.steps].sort((a, b) => a.at - b.at);
  for (const s of steps) {
    sim.scheduleAt(s.at, () => {
      if (flow) world.net.stop(flow);
      flow = s.rate > 0 ? world.net.start(from, to, Infinity, { cap: s.rate, inelastic: true, tag: `cross:${spec.id}` }) : undefined;
    });
  }
  return {
    rateAt(t: number) {
      let r = 0;
      for (const s of steps) if (s.at <= t) r = s.rate;
      return r;
    },
    metrics: () => ({ steps: steps.length }),
  };
}
