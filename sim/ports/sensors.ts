/**
 * Sensors: what the predictors sample. The simulator implements them over the platform and
 * Wren; live mode over /proc (sim/live/sensors.ts). Values are instantaneous readings.
 */

export interface LoadSensor {
  hosts(): readonly string[];
  /** Runnable demand on the host, in cores' worth (external load plus VMs' demand; live: the 1-minute load average). */
  load(host: string): number;
}

export interface AvailabilitySensor {
  /** Share of a core the VM gets now (0..cores): its CPU rate under the host's scheduler. */
  availability(vm: string): number;
}

/**
 * What a VM placed on a host would compete with for its CPU: the host's runnable demand not
 * counting the named VMs (cores' worth), and the host's cores.
 */
export interface BackgroundSensor {
  background(host: string, exclude: readonly string[]): number;
  cores(host: string): number;
}

/** Per host pair path estimates (Wren's `table()` is one). */
export interface PathSensor {
  table(): readonly { src: string; dst: string; bandwidth: number; latency: number }[];
}
