/**
 * One run's share of a host: a bridge, a tunnel per overlay link, a network namespace and a
 * bridge port per VM (a VM here is a process: one BSP rank), per-VM-pair forwarding rules and
 * byte counters. Every resource is journaled before it is made; `undo` removes all of it.
 *
 * Tunnels are VXLAN: the kernel's own, point-to-point (one device per peer, so a rule picks a
 * peer by picking a device), and an L2 overlay as VNET's was (VMs keep their MACs and
 * addresses wherever they run). A star link floods and learns like any bridge port; a direct
 * link does neither (a direct link beside the star would otherwise make a loop) and carries
 * only what forwarding rules send to it.
 *
 * Counting and forwarding happen in one nftables netdev table, in the ingress hook of each VM's
 * bridge port: a frame is counted once, where its sending VM put it on the overlay (a bridge
 * spanning hosts would otherwise see it once per host it crosses), then a rule may send it
 * straight to a tunnel (`fwd`), before the bridge sees it.
 *
 * A VM may instead be a QEMU VM booting the live guest, its port a tap on the bridge, counted
 * and forwarded as a veth port is; guests.ts runs those and their migrations between hosts.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { HostGuests, type HostFiles } from "./guests.js";
import { nodeProgram } from "../../source/index.js";
import { NFT, pairDeltas, type NftDocument } from "../nftap.js";
import type { Journal } from "../journal.js";
import type { TrafficSample, TransferObservation } from "../../ports/index.js";
import { vmAddress, vmMac, type Args, type WrenReading } from "./protocol.js";

const BRIDGE = "vtbr";
const VXLAN_PORT = 4789;
const rankProgram = nodeProgram(new URL("../bsp-rank.ts", import.meta.url));
const MAX_TRANSFERS = 100_000;
/** The BSP ranks' port, inside each VM's own namespace. */
const RANK_PORT = 20000;

/** The named network namespace this process is in, if any (`ip netns identify`). */
export function ownNetns(): string | undefined {
  try {
    return execFileSync("ip", ["netns", "identify", String(process.pid)], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface HostPeer {
  id: string;
  index: number;
  underlay: string;
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

export type { HostFiles } from "./guests.js";

export class HostRun {
  readonly table: string;
  private readonly vms = new Map<string, { index: number; host: string }>();
  private readonly links = new Map<string, string>();
  /** Links that flood and learn (the star's). */
  private readonly flooding = new Set<string>();
  /** Lightpaths brought up, by peer: tunnels to that peer run between these ends. */
  private readonly lightpaths = new Map<string, { local: string; remote: string }>();
  private readonly rules = new Map<string, string>();
  private readonly ranks = new Map<string, { child: ChildProcess; steps: number }>();
  private readonly last = new Map<string, number>();
  /** Messages this host's ranks received since the last read (times in epoch seconds), at most MAX_TRANSFERS. */
  private transfers: TransferObservation[] = [];
  /** VMs whose bridge port (and forwarding chain) exists. */
  private readonly ports = new Set<string>();
  /** Counts read from a port before it went (a VM that left), handed over at the next read. */
  private pending: TrafficSample[] = [];
  /** This host's QEMU VMs (guests.ts). */
  readonly guests: HostGuests;

  constructor(
    readonly host: string,
    private readonly self: HostPeer,
    private readonly peers: ReadonlyMap<string, HostPeer>,
    private readonly journal: Journal,
    vms: Args<"begin">["vms"],
    /** The namespace this agent runs in (undefined: the root one), so a journal undone elsewhere hits the right links. */
    private readonly netns?: string,
    files?: HostFiles,
  ) {
    this.guests = new HostGuests(host, {
      self,
      peer: (h) => peers.get(h)!,
      vm: (v) => this.vms.get(v)!,
      journal,
      files,
      plugTap: (v) => this.plugTap(v),
      unplug: (v) => this.unplug(v),
    });
    this.table = `virtuoso_agent_${process.pid}`;
    for (const v of vms) this.vms.set(v.id, { index: v.index, host: v.host });
    journal.add({ kind: "link", name: BRIDGE, netns });
    ip("link", "add", BRIDGE, "type", "bridge");
    ip("link", "set", BRIDGE, "up");
    journal.add({ kind: "nft", family: "netdev", table: this.table, netns });
    execFileSync(NFT!, ["add", "table", "netdev", this.table]);
  }

  knowsVm(vm: string): boolean {
    return this.vms.has(vm);
  }

  /** The host a VM of the run runs on, as this host knows it. */
  where(vm: string): string | undefined {
    return this.vms.get(vm)?.host;
  }

  isLocal(vm: string): boolean {
    return this.vms.get(vm)?.host === this.host;
  }

  linked(peer: string): boolean {
    return this.links.has(peer);
  }

  started(vm: string): boolean {
    return this.ranks.has(vm) || this.guests.has(vm);
  }

  /** A migration completed: `vm` now runs on `host` (here: its guest must be seen running). */
  async moved(vm: string, host: string): Promise<void> {
    await this.guests.moved(vm, host);
    this.vms.get(vm)!.host = host;
  }

  addLink(peer: string, flood: boolean): void {
    if (this.links.has(peer)) return;
    const p = this.peers.get(peer)!;
    const dev = `vtx${p.index}`;
    this.journal.add({ kind: "link", name: dev, netns: this.netns });
    this.tunnel(peer, dev, flood);
    this.links.set(peer, dev);
    if (flood) this.flooding.add(peer);
  }

  /** The VXLAN device to a peer: over the lightpath to it where one is up, else the underlay. */
  private tunnel(peer: string, dev: string, flood: boolean): void {
    const p = this.peers.get(peer)!;
    const lp = this.lightpaths.get(peer);
    // One VNI per unordered host pair: both ends agree without asking each other.
    const [lo, hi] = [this.self.index, p.index].sort((a, b) => a - b);
    ip("link", "add", dev, "type", "vxlan", "id", String(1000 + lo * 256 + hi), "local", lp?.local ?? this.self.underlay, "remote", lp?.remote ?? p.underlay, "dstport", String(VXLAN_PORT), "nolearning");
    ip("link", "set", dev, "mtu", "1500", "master", BRIDGE, "up");
    if (!flood) execFileSync("bridge", ["link", "set", "dev", dev, "flood", "off", "mcast_flood", "off", "bcast_flood", "off", "learning", "off"], { stdio: ["ignore", "ignore", "pipe"] });
  }

  /**
   * Lightpaths.request's far end: this host's end of the lightpath to `peer` comes up (set
   * down again when the run is undone), and a tunnel to that peer, if there is one, moves onto it.
   */
  lightpathUp(peer: string, lp: { device: string; local: string; remote: string }): void {
    if (this.lightpaths.has(peer)) return;
    this.journal.add({ kind: "up", name: lp.device, netns: this.netns });
    ip("link", "set", lp.device, "up");
    this.lightpaths.set(peer, { local: lp.local, remote: lp.remote });
    const dev = this.links.get(peer);
    if (dev) {
      ip("link", "del", dev);
      this.tunnel(peer, dev, this.flooding.has(peer));
      this.applyRules();
    }
  }

  removeLink(peer: string): void {
    const dev = this.links.get(peer);
    if (!dev) return;
    for (const [k, next] of this.rules) if (next === peer) this.rules.delete(k);
    this.links.delete(peer);
    this.flooding.delete(peer);
    this.applyRules();
    ip("link", "del", dev);
  }

  setRule(src: string, dst: string, next: string | null): void {
    const k = `${src}>${dst}`;
    if (next === null) this.rules.delete(k);
    else this.rules.set(k, next);
    this.applyRules();
  }

  /** A VM of this host: its own namespace, a veth into the bridge, and a rank process in it. */
  async startVm(a: Args<"vm.start">): Promise<void> {
    const { index } = this.vms.get(a.vm)!;
    const ns = `vt${process.pid}v${index}`, port = `vtp${index}`, peer = `vtq${index}`;
    this.journal.add({ kind: "netns", name: ns });
    ip("netns", "add", ns);
    this.journal.add({ kind: "link", name: port, netns: this.netns });
    ip("link", "add", port, "type", "veth", "peer", "name", peer);
    ip("link", "set", peer, "netns", ns);
    ip("-n", ns, "link", "set", peer, "name", "eth0", "address", vmMac(index));
    ip("-n", ns, "addr", "add", `${vmAddress(index)}/24`, "dev", "eth0");
    ip("-n", ns, "link", "set", "eth0", "up");
    ip("-n", ns, "link", "set", "lo", "up");
    ip("link", "set", port, "master", BRIDGE, "up");
    this.plug(a.vm, port);
    const rank = a.ranks.indexOf(a.vm);
    const job = {
      rank,
      addresses: a.ranks.map((v) => vmAddress(this.vms.get(v)!.index)),
      port: RANK_PORT,
      sequence: a.sequence,
      messageBytes: a.messageBytes,
      computeOps: a.computeOps,
      supersteps: a.supersteps,
      stamp: a.stamp,
    };
    const child = spawn("ip", ["netns", "exec", ns, "setpriv", "--pdeathsig", "KILL", "--", process.execPath, ...rankProgram.execArgv, rankProgram.file, JSON.stringify(job)], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
    const entry = { child, steps: 0 };
    this.ranks.set(a.vm, entry);
    this.journal.process(child.pid!);
    let partial = "";
    child.stdout!.on("data", (d) => {
      const lines = (partial + String(d)).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        const m = line.match(/^step (\d+)$/);
        if (m) entry.steps = Number(m[1]);
        const x = line.match(/^xfer (\d+) (\d+) ([\d.e+]+) ([\d.e+]+)$/);
        if (x) this.transferred(a.ranks[Number(x[1])], a.vm, Number(x[2]), Number(x[3]) / 1000, Number(x[4]) / 1000);
      }
    });
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (c) => reject(new Error(`rank of ${a.vm} exited (${c}) before it listened`)));
    });
  }

  /** Counters at a VM's port's ingress (bytes it sends, per destination VM), then its forwarding chain. */
  private plug(vm: string, port: string): void {
    const index = this.vms.get(vm)!.index;
    const lines = [`add chain netdev ${this.table} in_${port} { type filter hook ingress device "${port}" priority 0; }`, `add chain netdev ${this.table} fwd_${port}`];
    for (const [dst, d] of this.vms) if (dst !== vm) lines.push(`add rule netdev ${this.table} in_${port} ip saddr ${vmAddress(index)} ip daddr ${vmAddress(d.index)} counter`);
    lines.push(`add rule netdev ${this.table} in_${port} jump fwd_${port}`);
    execFileSync(NFT!, ["-f", "-"], { input: lines.join("\n") + "\n" });
    this.ports.add(vm);
    this.applyRules();
  }

  /** A QEMU VM's tap on the bridge (journaled first), counted and forwarded. */
  private plugTap(vm: string): string {
    const tap = `vtp${this.vms.get(vm)!.index}`;
    this.journal.add({ kind: "link", name: tap, netns: this.netns });
    ip("tuntap", "add", "dev", tap, "mode", "tap");
    ip("link", "set", tap, "master", BRIDGE, "up");
    this.plug(vm, tap);
    return tap;
  }

  /** A VM's port goes (it left this host): its last counts are kept for the next read, its chains and tap deleted, its rules forgotten (the controller sets them again where it went). */
  private unplug(vm: string): void {
    for (const k of [...this.rules.keys()]) if (k.startsWith(`${vm}>`)) this.rules.delete(k);
    const index = this.vms.get(vm)!.index;
    const port = `vtp${index}`;
    if (this.ports.has(vm)) {
      this.pending.push(...this.read());
      this.ports.delete(vm);
      execFileSync(NFT!, ["-f", "-"], { input: `delete chain netdev ${this.table} in_${port}\ndelete chain netdev ${this.table} fwd_${port}\n` });
      // A later port of this VM here counts from zero.
      for (const k of [...this.last.keys()]) if (k.startsWith(`${vmAddress(index)}>`)) this.last.delete(k);
    }
    try {
      ip("link", "del", port);
    } catch {
      // Gone with its QEMU already.
    }
  }

  /** Starts every rank: QEMU guests once each of this host's has connected to its peers (they boot meanwhile). */
  async go(): Promise<void> {
    for (const r of this.ranks.values()) r.child.send("go");
    await this.guests.go();
  }

  progress(): Record<string, number> {
    return Object.fromEntries([...[...this.ranks].map(([vm, r]) => [vm, r.steps] as const), ...this.guests.progress()]);
  }


  /** Messages received by this host's VMs since the last read, oldest first (Wren's samples). */
  readTransfers(): WrenReading {
    const out = this.transfers;
    this.transfers = [];
    return { transfers: out, guest: this.guests.takeTransfers(), clocks: this.guests.clocks() };
  }

  private transferred(src: string | undefined, dst: string, bytes: number, start: number, end: number): void {
    const s = src === undefined ? undefined : this.vms.get(src);
    if (!s || !(end >= start)) return;
    this.transfers.push({ srcVm: src!, dstVm: dst, srcHost: s.host, dstHost: this.host, bytes, start, end, latency: NaN });
    // A controller that stops reading must not grow the agent without bound: the oldest go.
    if (this.transfers.length > MAX_TRANSFERS) this.transfers.splice(0, this.transfers.length - MAX_TRANSFERS);
  }

  /** Bytes per (src, dst) counted at this host's VM ports since the last read. */
  read(): TrafficSample[] {
    const byAddress = new Map([...this.vms].map(([vm, v]) => [vmAddress(v.index), vm]));
    const doc = JSON.parse(execFileSync(NFT!, ["-j", "list", "table", "netdev", this.table], { encoding: "utf8" })) as NftDocument;
    const out = [...this.pending, ...pairDeltas(doc, this.last, byAddress, (chain) => chain.startsWith("in_"))];
    this.pending = [];
    return out;
  }

  /** Rewrites every port's forwarding chain from the rules (a handful of rules: simpler than patching). */
  private applyRules(): void {
    const lines: string[] = [];
    for (const [vm, v] of this.vms) {
      if (!this.ports.has(vm)) continue;
      const port = `vtp${v.index}`;
      lines.push(`flush chain netdev ${this.table} fwd_${port}`);
      for (const [k, next] of this.rules) {
        const [src, dst] = k.split(">");
        const dev = this.links.get(next);
        if (src !== vm || !dev) continue;
        lines.push(`add rule netdev ${this.table} fwd_${port} ether daddr ${vmMac(this.vms.get(dst)!.index)} fwd to "${dev}"`);
      }
    }
    if (lines.length) execFileSync(NFT!, ["-f", "-"], { input: lines.join("\n") + "\n" });
  }
}
