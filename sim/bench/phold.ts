/** PHOLD through the kernel: callbacks (the fast path) and generator processes. */
import { Simulation } from "../kernel/index.js";
import { monotonicSeconds, peakRssMb } from "../live/index.js";
import { installPhold } from "../workload/phold.js";
import { cpuSeconds, liveBytes, round, type Bench, type Figure } from "./bench.js";

/**
 * Memory of the model as built (kernel queue + PHOLD state), apart from what was live before it
 * (the loader, the transpiler, the CLI): `base` is the live bytes measured before building.
 */
function memory(name: string, sim: Simulation, base: number): Figure[] {
  const built = liveBytes() - base;
  const pending = sim.queue.size;
  return [
    { name: `${name}.loader_mb`, value: round(base / 2 ** 20, 1), unit: "MB live before the model (loader, CLI)" },
    { name: `${name}.model_mb`, value: round(built / 2 ** 20, 1), unit: "MB live for the built model (kernel + PHOLD state)" },
    { name: `${name}.kernel_bytes_per_pending`, value: round(sim.queue.bytes / pending, 1), unit: `bytes of event queue per pending event (${pending} pending)` },
  ];
}

function measure(name: string, sim: Simulation, events: number): Figure[] {
  const stopAt = () => {
    if (sim.events >= events) sim.stop();
  };
  // Checked between events by a cheap periodic probe rather than inside the model.
  const probe = () => {
    stopAt();
    sim.schedule(0.5, probe, undefined, 2);
  };
  sim.schedule(0.5, probe, undefined, 2);
  const c0 = process.cpuUsage();
  const t0 = monotonicSeconds();
  sim.run();
  const wall = monotonicSeconds() - t0;
  const cpu = cpuSeconds(c0);
  return [
    { name, value: Math.round(sim.events / wall), unit: "events/s" },
    { name: `${name}.wall_s`, value: round(wall), unit: "s" },
    // CPU time too: on a shared machine it moves less with other people's load than wall time.
    { name: `${name}.per_cpu_s`, value: Math.round(sim.events / cpu), unit: "events per CPU second" },
    { name: `${name}.peak_rss_mb`, value: round(peakRssMb()), unit: "MB" },
  ];
}

export const phold: Bench = {
  name: "phold",
  description: "PHOLD, callback API: events per second",
  params: { lps: 1000, init: 1, events: 5_000_000, lookahead: 0.1, seed: 1 },
  run(p) {
    const base = liveBytes();
    const sim = new Simulation(p.seed);
    installPhold(sim, { kind: "phold", id: "phold", lps: p.lps, init: p.init, lookahead: p.lookahead, meanDelay: 1 });
    const mem = memory("phold", sim, base);
    return [...measure("phold", sim, p.events), ...mem];
  },
};

export const pholdProcess: Bench = {
  name: "phold-process",
  description: "PHOLD with each event token a generator process yielding timeouts",
  params: { lps: 1000, init: 1, events: 5_000_000, lookahead: 0.1, seed: 1 },
  run(p) {
    const sim = new Simulation(p.seed);
    const random = sim.rng("phold").random;
    const received = new Float64Array(p.lps);
    function* token(): Generator<ReturnType<Simulation["timeout"]>, void, unknown> {
      for (;;) {
        yield sim.timeout(p.lookahead - Math.log(1 - random()));
        received[Math.floor(random() * p.lps)]++;
      }
    }
    for (let i = 0; i < p.lps * p.init; i++) sim.process(token());
    return measure("phold-process", sim, p.events);
  },
};

export const phold1m: Bench = {
  name: "phold-1m",
  description: "PHOLD, callback API, one million LPs: throughput and peak memory",
  params: { ...phold.params, lps: 1_000_000 },
  run(p) {
    return phold.run(p).map((f) => ({ ...f, name: f.name.replace("phold", "phold-1m") }));
  },
};
