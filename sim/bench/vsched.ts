/** VSched at scale: many reserved VMs with short periods, dispatch events per wall second. */
import { Simulation } from "../kernel/index.js";
import { monotonicSeconds, peakRssMb } from "../live/index.js";
import { DispatchedCpu, SimCpuControl, World } from "../platform/index.js";
import { schedulerFactories } from "../runner/policies.js";
import { parseScenario } from "../scenario/index.js";
import { VSched } from "../vsched/index.js";
import { cpuSeconds, type Bench } from "./bench.js";

export const vsched: Bench = {
  name: "vsched",
  description: "64 reserved VMs (10 ms periods, 2 ms slices) plus a batch VM per host on 16 VSched hosts (1 ms tick), 1 simulated hour",
  params: { hosts: 16, vms: 64, period: 0.01, slice: 0.002, duration: 3600, seed: 1 },
  run(p) {
    const perHost = Math.ceil(p.vms / p.hosts);
    const scenario = parseScenario({
      name: "bench",
      seed: p.seed,
      duration: p.duration,
      platform: { hosts: [{ id: "h", count: p.hosts, scheduler: "vsched", tick: 0.001, dispatchOverhead: 1e-5 }] },
      vms: [
        ...Array.from({ length: p.vms }, (_, i) => ({ id: `rt${i}`, host: `h${Math.floor(i / perHost)}` })),
        ...Array.from({ length: p.hosts }, (_, i) => ({ id: `batch${i}`, host: `h${i}` })),
      ],
    });
    const sim = new Simulation(p.seed);
    const world = new World(sim, scenario, { schedulers: schedulerFactories() });
    const cpu = new SimCpuControl(world);
    for (const vm of world.vms.values()) vm.compute(Infinity);
    for (let i = 0; i < p.vms; i++) {
      if (!cpu.reserve(`rt${i}`, { period: p.period, slice: p.slice }).admitted) throw new Error(`vsched bench: rt${i} refused`);
    }
    const c0 = process.cpuUsage();
    const t0 = monotonicSeconds();
    sim.run({ until: p.duration });
    const wall = monotonicSeconds() - t0;
    const cpuS = cpuSeconds(c0);
    const dispatches = [...world.hosts.values()].reduce((n, h) => n + ((h.scheduler as DispatchedCpu).policy as VSched).dispatches, 0);
    return [
      { name: "vsched", value: Math.round(dispatches / wall), unit: "dispatches/s" },
      // Per CPU second too: it moves less than wall time with other load on the machine.
      { name: "vsched.per_cpu_s", value: Math.round(dispatches / cpuS), unit: "dispatches per CPU second" },
      { name: "vsched.events_per_s", value: Math.round(sim.events / wall), unit: "events/s" },
      { name: "vsched.wall_s", value: Math.round(wall * 1000) / 1000, unit: "s" },
      { name: "vsched.peak_rss_mb", value: Math.round(peakRssMb() * 10) / 10, unit: "MB" },
    ];
  },
};
