/**
 * The agent protocol: newline-delimited JSON over mutually authenticated TLS. A request is
 * `{run, seq, nonce, op, args}`: `run` names the run it belongs to, `seq` rises by exactly one
 * per request on a connection, `nonce` is never reused within a run (a replayed message is
 * refused either way). The operations are the ports' operations only, each with arguments
 * checked against ranges and the run's own VMs and the cluster's hosts; there is no command
 * to run anything else. A reply is `{seq, ok: true, result}` or `{seq, ok: false, error}`.
 */
import { z } from "zod";
import { id } from "../../scenario/quantities.js";
import { patternNames } from "../../workload/patterns.js";
import type { TransferObservation } from "../../ports/index.js";

/** Longest request line accepted (bytes); a longer one closes the connection. */
export const MAX_LINE = 1 << 20;
/** Most VMs a run may declare (a VM's index is its address's last byte and its MAC's). */
export const MAX_VMS = 250;

export const envelopeSchema = z.strictObject({
  run: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, _ . -"),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  nonce: z.string().regex(/^[0-9a-f]{32}$/, "must be 32 hex digits"),
  op: z.string().max(32),
  args: z.unknown(),
});
export type Envelope = z.output<typeof envelopeSchema>;

const vmDecl = z.strictObject({ id, index: z.number().int().min(1).max(MAX_VMS), host: id });

/** Argument schemas per operation. Cross-checks against the run (known VMs, linked peers) are in the agent. */
export const opSchemas = {
  /** Starts a run on this host: every VM of the run, where it is, and its index (address, MAC). */
  begin: z.strictObject({
    vms: z.array(vmDecl).min(1).max(MAX_VMS),
    /** This host's admission bound for VSched reservations (its uMax - overheadReserve, at most 0.95). */
    uMax: z.number().gt(0).max(0.95).default(0.95),
  }),
  heartbeat: z.strictObject({}),
  /** NetControl.addOverlayLink: a tunnel to `peer`. Star links flood; direct links carry only what rules send them. */
  "link.add": z.strictObject({ peer: id, flood: z.boolean() }),
  "link.remove": z.strictObject({ peer: id }),
  /** NetControl.setRule at this host: frames src -> dst leave through the tunnel to `next` (null: the bridge decides). */
  "rule.set": z.strictObject({ src: id, dst: id, next: id.nullable() }),
  /** Lightpaths.request, this host's end: the cluster file's lightpath to `peer` comes up. */
  "lightpath.up": z.strictObject({ peer: id }),
  /** Starts a VM of this host as a process in its own network namespace, running one BSP rank. */
  "vm.start": z.strictObject({
    vm: id,
    ranks: z.array(id).min(1).max(MAX_VMS),
    sequence: z.array(z.strictObject({ pattern: z.enum(patternNames), supersteps: z.number().int().min(1).max(1e7) })).min(1).max(64),
    messageBytes: z.number().int().min(1).max(64 * 2 ** 20),
    computeOps: z.number().min(0).max(1e11),
    supersteps: z.number().int().min(1).max(1e9),
    /** Whether the rank timestamps its messages, for Wren. */
    stamp: z.boolean().default(false),
    /** A QEMU VM booting the live guest, its rank in the guest; absent: a process. */
    qemu: z.strictObject({
      memoryMb: z.number().int().min(80).max(65536),
      vcpus: z.number().int().min(1).max(64),
      bootTimeout: z.number().min(1).max(3600),
    }).optional(),
    /** A migration's destination (QEMU only): QEMU waits for the VM from host `from` on this host's underlay, over TLS; the reply names the port. */
    incoming: z.strictObject({ from: id }).optional(),
  }),
  /** Placement.migrate's source end: the VM's QEMU sends it to `to`'s destination (vm.start with incoming) over TLS. */
  "vm.migrate": z.strictObject({
    vm: id,
    to: id,
    port: z.number().int().min(1024).max(65535),
    downtimeLimit: z.number().min(0.001).max(60).optional(),
    maxBandwidth: z.number().min(1).max(1e12).optional(),
    maxRounds: z.number().int().min(1).max(10_000).optional(),
    autoConverge: z.boolean().default(false),
    timeout: z.number().min(1).max(3600).default(120),
  }),
  /** A migration completed: the VM now runs on `host` (at the destination: its guest must be seen running; at the source: the paused QEMU goes). */
  "vm.moved": z.strictObject({ vm: id, host: id }),
  /** A completed migration whose destination did not run the guest: the paused source runs it on. */
  "vm.resume": z.strictObject({ vm: id }),
  /** A migration failed: the destination's waiting QEMU and its port go. */
  "vm.drop": z.strictObject({ vm: id }),
  /** QMP's view of a QEMU VM on this host (the one running it, else a destination waiting for it). */
  "vm.state": z.strictObject({ vm: id }),
  /**
   * CpuControl.reserve for a QEMU VM on this host (SCHED_DEADLINE on its vCPU threads), or
   * booked for one about to migrate here (applied once it runs here). Admitted only if this
   * host's reservations fit its bound; the reply is the admission, with the reason if refused.
   */
  "vm.reserve": z.strictObject({
    vm: id,
    period: z.number().min(1e-4).max(10),
    slice: z.number().min(1e-5).max(10),
  }).refine((r) => r.slice <= r.period, { message: "slice must not exceed period", path: ["slice"] }),
  /** CpuControl.release: the VM's reservation on this host ends (booked or applied). */
  "vm.release": z.strictObject({ vm: id }),
  /** Starts every started rank's first superstep. */
  "vm.go": z.strictObject({}),
  /** CpuControl.progress: supersteps done by each VM of this host. */
  "vm.progress": z.strictObject({}),
  /** TrafficTap.read: bytes per (src VM, dst VM) sent by this host's VMs since the last read. */
  "tap.read": z.strictObject({}),
  /** TransferSource for Wren: the messages this host's VMs received since the last read (a WrenReading). */
  "wren.read": z.strictObject({}),
  /** Ends the run: undoes everything it made on this host. */
  end: z.strictObject({}),
} as const;

export type Op = keyof typeof opSchemas;
export type Args<O extends Op> = z.output<(typeof opSchemas)[O]>;
/** What a caller sends (defaults may be left out). */
export type ArgsIn<O extends Op> = z.input<(typeof opSchemas)[O]>;

export interface Reply {
  seq: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** A message a QEMU guest received, with its send start in the sender's guest clock and its arrival in the receiver's (seconds). */
export interface GuestMessage {
  srcVm: string;
  dstVm: string;
  bytes: number;
  start: number;
  end: number;
}

/**
 * wren.read's reply: the messages this host's VMs received since the last read. Process VMs'
 * are in epoch seconds (the host's clock); QEMU guests' are in their guests' clocks, with each
 * running guest's offset (host epoch seconds minus guest seconds) beside them, since a message's
 * start is in its sender's clock and the sender may run on another host.
 */
export interface WrenReading {
  transfers: TransferObservation[];
  guest: GuestMessage[];
  clocks: Record<string, number>;
}

/** A VM's overlay address and MAC, from its index. */
export const vmAddress = (index: number) => `10.90.0.${index}`;
export const vmMac = (index: number) => `02:56:54:00:00:${index.toString(16).padStart(2, "0")}`;
