/**
 * The simulator's sensors (ports/sensors.ts): a host's load is the demand of everything on its
 * CPU (external load and VMs that could run), in cores' worth; a VM's availability is the rate
 * its host's scheduler gives it, in cores.
 */
import type { AvailabilitySensor, LoadSensor } from "../ports/index.js";
import type { World } from "./world.js";

export class SimLoadSensor implements LoadSensor {
  constructor(private readonly world: World) {}

  hosts(): readonly string[] {
    return [...this.world.hosts.keys()];
  }

  load(host: string): number {
    const h = this.world.host(host);
    return h.entities.reduce((s, e) => s + e.demand(), 0) / h.params.speed;
  }
}

export class SimAvailabilitySensor implements AvailabilitySensor {
  constructor(private readonly world: World) {}

  availability(vm: string): number {
    const v = this.world.vm(vm);
    return v.cpuRate / v.host.params.speed;
  }
}
