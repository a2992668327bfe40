/**
 * The simulator's sensors (ports/sensors.ts): a host's load is the demand of everything on its
 * CPU (external load and VMs that could run), in cores' worth; a VM's availability is the rate
 * its host's scheduler gives it, in cores.
 */
import type { AvailabilitySensor, BackgroundSensor, LoadSensor } from "../ports/index.js";
import type { World } from "./world.js";

export class SimLoadSensor implements LoadSensor, BackgroundSensor {
  constructor(private readonly world: World) {}

  hosts(): readonly string[] {
    return [...this.world.hosts.keys()];
  }

  load(host: string): number {
    const h = this.world.host(host);
    return h.entities.reduce((s, e) => s + e.demand(), 0) / h.params.speed;
  }

  /** The demand of everything on the host's CPU but the named VMs, in cores' worth. */
  background(host: string, exclude: readonly string[]): number {
    const h = this.world.host(host);
    const skip = new Set<unknown>(exclude.flatMap((v) => (this.world.vms.has(v) ? [this.world.vm(v)] : [])));
    return h.entities.reduce((s, e) => (skip.has(e) ? s : s + e.demand()), 0) / h.params.speed;
  }

  cores(host: string): number {
    return this.world.host(host).params.cores;
  }
}

export class SimAvailabilitySensor implements AvailabilitySensor {
  constructor(private readonly world: World) {}

  availability(vm: string): number {
    const v = this.world.vm(vm);
    return v.cpuRate / v.host.params.speed;
  }
}
