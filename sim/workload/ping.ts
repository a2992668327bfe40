/** ICMP-style echo between two VMs: a small message there and back, every interval. */
import type { Simulation } from "../kernel/index.js";
import type { World } from "../platform/index.js";
import type { Model } from "./model.js";
import type { PingSpec } from "./schema.js";

export function installPing(sim: Simulation, spec: PingSpec, world: World): Model {
  const src = world.vm(spec.src), dst = world.vm(spec.dst);
  const overlay = (spec.transport ?? (world.vnet.enabled ? "overlay" : "physical")) === "overlay";
  const rtts: number[] = [];
  const table = sim.trace.table(`${spec.id}.rtt`, { t: "f64", rtt_s: "f64" });
  const ping = () => {
    const t0 = sim.now;
    world.vnet.send(src, dst, spec.bytes, () =>
      world.vnet.send(dst, src, spec.bytes, () => {
        rtts.push(sim.now - t0);
        table.row(t0, sim.now - t0);
      }, overlay),
    overlay);
  };
  sim.scheduleAt(spec.start, () => {
    ping();
    sim.every(spec.interval, ping);
  });
  return {
    metrics() {
      return {
        pings: rtts.length,
        mean_rtt_ms: (1000 * rtts.reduce((a, b) => a + b, 0)) / rtts.length,
        min_rtt_ms: 1000 * Math.min(...rtts),
      };
    },
  };
}
