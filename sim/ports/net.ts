/** The overlay as a policy can change it, and the paths it can ask about. */
export interface NetControl {
  addOverlayLink(a: string, b: string): void;
  removeOverlayLink(a: string, b: string): void;
  /** At daemon `at`, frames from VM `src` to VM `dst` go to daemon `next` (undefined: default). */
  setRule(at: string, src: string, dst: string, next: string | undefined): void;
  /** The physical path between two hosts as a network map gives it: bottleneck capacity, latency. */
  measure(a: string, b: string): { bandwidth: number; latency: number };
  /**
   * Capacity of the host's access link, the first physical link of its path to every one of
   * `peers`; undefined where those paths share no first link (or it is not known).
   */
  access?(host: string, peers: readonly string[]): number | undefined;
}

/** VM placement: where each VM runs, and live migration. */
export interface MigrationNotice {
  vm: string;
  from: string;
  to: string;
  total_s: number;
  downtime_s: number;
  bytes: number;
  /** Why the migration did not happen, if it did not: the VM is still on `from`. */
  failed?: string;
}

export interface Placement {
  where(vm: string): string;
  /** Bytes a live migration of the VM must at least copy. */
  memory(vm: string): number;
  /** `onDone` runs once the migration has ended, whether it moved the VM or not (`failed`). */
  migrate(vm: string, host: string, onDone?: (n: MigrationNotice) => void): void;
}

/** Dedicated optical paths between hosts, set up on request (VRESERVE). */
export interface Lightpaths {
  /** Asks for a lightpath between two hosts; `onReady` runs once it carries traffic. */
  request(a: string, b: string, onReady: () => void): void;
}
