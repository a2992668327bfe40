/** What the overlay daemons see: VTTIF's counters and Wren's transfer observations. */
export interface TrafficSample {
  src: string;
  dst: string;
  bytes: number;
}

export interface TrafficTap {
  /** Hosts that run a daemon. */
  hosts(): string[];
  /**
   * Bytes the VMs hosted on `host` sent, per (src VM, dst VM), since this host's last read:
   * the rows of the traffic matrix this daemon owns.
   */
  read(host: string): TrafficSample[];
}

/** Control-plane messages between hosts (daemon reports to the Proxy); they cost traffic too. */
export interface Messenger {
  send(from: string, to: string, bytes: number, onDone: () => void): void;
}

export interface TransferObservation {
  srcVm: string;
  dstVm: string;
  srcHost: string;
  dstHost: string;
  bytes: number;
  start: number;
  end: number;
  /** Latency of the path the transfer took (seconds, one way). */
  latency: number;
}

export interface TransferSource {
  observe(fn: (o: TransferObservation) => void): void;
}
