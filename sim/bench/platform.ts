/** Platform benchmarks: the max-min solver at scale, and BSP runs against their closed forms. */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Simulation } from "../kernel/index.js";
import { monotonicSeconds, peakRssMb } from "../live/index.js";
import { MaxMinSolver, World } from "../platform/index.js";
import { parseScenario } from "../scenario/index.js";
import { installBsp } from "../workload/index.js";
import { round, type Bench } from "./bench.js";


function crossbarWorld(seed: number, n: number, bsp: Record<string, unknown>) {
  const scenario = parseScenario({
    name: "bench",
    seed,
    duration: 1e9,
    platform: { hosts: [{ id: "h", count: n, speed: 1e9 }], network: { topology: { kind: "switch", bandwidth: 125e6, latency: 50e-6 } } },
    vms: Array.from({ length: n }, (_, i) => ({ id: `vm${i}`, host: `h${i}` })),
    workloads: [{ kind: "bsp", id: "app", vms: Array.from({ length: n }, (_, i) => `vm${i}`), ...bsp }],
  });
  const sim = new Simulation(seed);
  const world = new World(sim, scenario);
  const spec = scenario.workloads[0];
  if (spec.kind !== "bsp") throw new Error("unreachable");
  return { sim, world, app: installBsp(sim, spec, world) };
}

export const flows: Bench = {
  name: "flows",
  description: "max-min solve of concurrent flows between random hosts of a k-ary fat-tree",
  params: { flows: 10_000, k: 8, repeats: 10, seed: 1 },
  run(p) {
    const hosts = (p.k * p.k * p.k) / 4;
    const scenario = parseScenario({
      name: "bench",
      seed: p.seed,
      duration: 1,
      platform: { hosts: [{ id: "h", count: hosts }], network: { topology: { kind: "fat-tree", k: p.k, bandwidth: 1.25e9, latency: 0 } } },
    });
    const sim = new Simulation(p.seed);
    const world = new World(sim, scenario);
    const rng = sim.rng("bench.pairs");
    const routes = [];
    for (let i = 0; i < p.flows; i++) {
      const a = rng.int(hosts);
      const b = (a + 1 + rng.int(hosts - 1)) % hosts;
      const src = world.host(`h${a}`).node, dst = world.host(`h${b}`).node;
      routes.push(world.router.route(src, dst).resources);
      world.net.start(src, dst, 1e9);
    }
    // The whole network re-shared at once, through the flow model (component search included).
    const t0 = monotonicSeconds();
    sim.run({ until: 0 });
    const reshare = monotonicSeconds() - t0;
    // The solver alone, on the same instance.
    const flowStart = new Int32Array(p.flows + 1);
    routes.forEach((r, i) => (flowStart[i + 1] = flowStart[i] + r.length));
    const flowRes = new Int32Array(flowStart[p.flows]);
    routes.forEach((r, i) => flowRes.set(r, flowStart[i]));
    const problem = { capacity: world.topo.capacity.slice(0, world.topo.resourceCount), nFlows: p.flows, flowStart, flowRes, cap: new Float64Array(p.flows).fill(Infinity) };
    const rates = new Float64Array(p.flows);
    const solver = new MaxMinSolver();
    solver.solve(problem, rates);
    const t1 = monotonicSeconds();
    for (let i = 0; i < p.repeats; i++) solver.solve(problem, rates);
    const solve = (monotonicSeconds() - t1) / p.repeats;
    return [
      { name: "flows", value: round(solve * 1000), unit: "ms" },
      { name: "flows.reshare_ms", value: round(reshare * 1000), unit: "ms" },
    ];
  },
};

/** The heap's live bytes (after a full collection), for measuring memory per object. */
function liveBytes(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export const flowMemory: Bench = {
  name: "flow-memory",
  description: "live heap bytes per concurrent flow: all-to-all on a crossbar, measured once every message of a superstep is in flight",
  params: { ranks: 256, seed: 1 },
  run(p) {
    const { sim, world } = crossbarWorld(p.seed, p.ranks, { pattern: "all-to-all", messageBytes: 1e6, computeOps: 1e9, supersteps: 1 });
    const before = liveBytes();
    // Compute ends at 1 s, messages wait out 100 us of latency, then all share the links.
    sim.run({ until: 1.0002 });
    const flows = world.net.active;
    if (flows !== p.ranks * (p.ranks - 1)) throw new Error(`flow-memory: ${flows} flows in flight, expected ${p.ranks * (p.ranks - 1)}`);
    const per = (liveBytes() - before) / flows;
    return [
      { name: "flow-memory.bytes_per_flow", value: Math.round(per), unit: "bytes" },
      { name: "flow-memory.flows", value: flows, unit: "flows" },
    ];
  },
};

function bspBench(name: string, description: string, params: Record<string, number>, pattern: string): Bench {
  return {
    name,
    description,
    params,
    run(p) {
      const { sim, world, app } = crossbarWorld(p.seed, p.ranks, { pattern, messageBytes: p.messageBytes, computeOps: p.computeOps, supersteps: p.supersteps });
      const t0 = monotonicSeconds();
      sim.run();
      const wall = monotonicSeconds() - t0;
      const m = app.metrics();
      if (m.supersteps !== p.supersteps) throw new Error(`${name}: ran ${m.supersteps} of ${p.supersteps} supersteps`);
      return [
        { name: `${name}.wall_s`, value: round(wall), unit: "s" },
        { name: `${name}.sim_s`, value: round(sim.now, 6), unit: "s" },
        { name: `${name}.events_per_s`, value: Math.round(sim.events / wall), unit: "events/s" },
        { name: `${name}.peak_rss_mb`, value: round(peakRssMb(), 1), unit: "MB" },
        // How often the flows were re-shared, and how many flow rates that re-solved in all.
        { name: `${name}.reshares`, value: world.net.reshares, unit: "reshares" },
        { name: `${name}.flow_resolves`, value: world.net.resolved, unit: "flows" },
      ];
    },
  };
}

export const bspAllToAll = bspBench(
  "bsp-alltoall",
  "all-to-all, 128 ranks on a 125 MB/s crossbar, 1 MB messages, 1 s compute, 10 supersteps (analytic 20.161 s)",
  { ranks: 128, messageBytes: 1e6, computeOps: 1e9, supersteps: 10, seed: 1 },
  "all-to-all",
);

export const bspRing = bspBench(
  "bsp-ring-1024",
  "ring, 1024 ranks on a 125 MB/s crossbar, 1 MB messages, 1 s compute, 100 supersteps",
  { ranks: 1024, messageBytes: 1e6, computeOps: 1e9, supersteps: 100, seed: 1 },
  "ring",
);
