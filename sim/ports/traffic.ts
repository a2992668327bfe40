/** What the overlay daemons see: VTTIF's counters and Wren's transfer observations. */
export interface TrafficSample {
  src: string;
  dst: string;
  bytes: number;
}

export interface TrafficTap {
  /** Hosts that run a daemon. */
  hosts(): string[];
  /** Bytes the daemon on `host` forwarded per (src VM, dst VM) since its last read. */
  read(host: string): TrafficSample[];
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
