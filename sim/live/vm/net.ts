/**
 * The VMs' network in a live run: one Linux bridge per run and one tap per VM on it, and the
 * guests' virtio-net NICs on those taps. The bridge has no address: the guests talk among
 * themselves at layer 2 and the host is not reachable from them. Each VM's MAC is derived
 * from its id; its IPv4 address (10.0.0.(index + 2)/24, on the run's own isolated segment) is
 * given to the guest's /init on the kernel command line. Every link is journaled before it
 * is created and deleted on exit (and by `virtuoso live --cleanup`).
 *
 * The traffic tap: per ordered VM pair, an nftables rule in a bridge-family table counts the
 * bytes of the frames entering the bridge from the sender's tap addressed to the receiver's
 * MAC, so each frame is counted once, at the sending VM's port.
 *
 * A migrating VM's destination QEMU gets a tap of its own on the bridge (a tap cannot be
 * opened by two QEMU processes), with the same MAC: its sending VM's counting rules are added
 * for the new tap before the destination can send, and the old tap's rules stay (its frames
 * stop at the switch-over, the source being paused for good), so a pair's bytes are the sum of
 * its rules' counters, each frame still counted once, at the port it entered by. The guest's
 * announce after the switch-over (QEMU's self-announce) moves the MAC in the bridge's FDB.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import type { TrafficSample, TrafficTap } from "../../ports/index.js";
import type { Journal } from "../journal.js";
import { NFT } from "../nftap.js";
import { which } from "../backends.js";
import type { Scenario } from "../../scenario/index.js";

/** Why the VMs of `s` cannot have their network here, if they cannot (checked before anything starts). */
export function probeVmNetwork(s: Scenario): string | undefined {
  if (!s.workloads.some((w) => w.kind === "bsp")) return undefined;
  if (!which("ip")) return "ip (iproute2) is needed for the VMs' bridge and taps";
  if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing: the VMs' taps need the tun module";
  if (s.policies.vttif.enabled && !NFT) return "nft (nftables) is not installed; VTTIF on VM traffic needs it";
  return undefined;
}

/** A locally administered unicast MAC (QEMU's 52:54:00 prefix) from the VM's id. */
export function macOf(vm: string): string {
  const h = createHash("sha256").update(vm).digest();
  return ["52", "54", "00", ...[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

export interface VmPort {
  vm: string;
  tap: string;
  mac: string;
  /** The guest's address with its prefix length. */
  ip: string;
}

const ipLink = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

export class VmNetwork {
  readonly bridge: string;
  readonly ports = new Map<string, VmPort>();
  private readonly links: string[] = [];
  private table?: string;
  private last = new Map<string, number>();

  /** `vms` in the scenario's order (it fixes the addresses). Names carry the run's pid. */
  constructor(vms: string[], private readonly journal: Journal, pid = process.pid) {
    if (vms.length > 250) throw new Error("live: at most 250 VMs share a run's network");
    const macs = new Map<string, string>();
    for (const vm of vms) {
      const mac = macOf(vm);
      if (macs.has(mac)) throw new Error(`live: VMs ${macs.get(mac)} and ${vm} have the same derived MAC ${mac}; rename one`);
      macs.set(mac, vm);
    }
    // Interface names are at most 15 characters.
    this.bridge = `vtbr${pid}`;
    try {
      this.add(this.bridge, ["link", "add", this.bridge, "type", "bridge"]);
      ipLink("link", "set", this.bridge, "up");
      vms.forEach((vm, i) => {
        const tap = `vt${pid}-${i}`;
        this.add(tap, ["tuntap", "add", "dev", tap, "mode", "tap"]);
        ipLink("link", "set", tap, "master", this.bridge);
        ipLink("link", "set", tap, "up");
        this.ports.set(vm, { vm, tap, mac: macOf(vm), ip: `10.0.0.${i + 2}/24` });
      });
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private add(name: string, args: string[]): void {
    this.journal.add({ kind: "link", name });
    ipLink(...args);
    this.links.push(name);
    // No IPv6 link-local address either: the host stays unreachable from the guests.
    const v6 = `/proc/sys/net/ipv6/conf/${name}/disable_ipv6`;
    if (existsSync(v6)) writeFileSync(v6, "1");
  }

  /** QEMU arguments for a VM's NIC on its tap (or on `tap`, a migration destination's). */
  qemuArgs(vm: string, tap = this.port(vm).tap): string[] {
    const p = this.port(vm);
    return ["-netdev", `tap,id=net0,ifname=${tap},script=no,downscript=no`, "-device", `virtio-net-pci,netdev=net0,mac=${p.mac}`];
  }

  /**
   * A new tap on the bridge for migration `index` of `vm` (journaled first), counted as the
   * VM's port from now on (see the file's comment). Returns its name.
   */
  addTap(vm: string, index: number): string {
    const p = this.port(vm);
    const tap = `${p.tap.replace(/m\d+$/, "")}m${index}`;
    if (tap.length > 15) throw new Error(`live: tap name ${tap} is longer than 15 characters`);
    this.add(tap, ["tuntap", "add", "dev", tap, "mode", "tap"]);
    ipLink("link", "set", tap, "master", this.bridge);
    ipLink("link", "set", tap, "up");
    if (this.table) {
      const rules = [...this.ports.values()].filter((b) => b !== p).map((b) => this.rule(tap, p.vm, b));
      if (rules.length) execFileSync(NFT!, ["-f", "-"], { input: rules.join("\n") + "\n" });
    }
    return tap;
  }

  /**
   * At the switch-over: the VM's port is now `tap`, and its old port goes down (the source is
   * paused for good; on another host its QEMU and tap would be gone), which takes the VM's MAC
   * out of the bridge's FDB there: frames for it flood to the new port until the guest's
   * announce, or any frame it sends, teaches the bridge where it is. Back up if the move is undone.
   */
  moveTo(vm: string, tap: string): void {
    const p = this.port(vm);
    if (p.tap === tap) return;
    const old = p.tap;
    p.tap = tap;
    try {
      ipLink("link", "set", old, "down");
      ipLink("link", "set", tap, "up");
    } catch {
      // A tap already deleted; nothing to forward through it anyway.
    }
  }

  /** Deletes a tap no QEMU holds any more (a migration's source, or a failed destination). */
  dropTap(tap: string): void {
    const i = this.links.indexOf(tap);
    if (i < 0 || tap === this.bridge || [...this.ports.values()].some((p) => p.tap === tap)) return;
    try {
      if (existsSync(`/sys/class/net/${tap}`)) ipLink("link", "del", tap);
      this.links.splice(i, 1);
    } catch {
      // Kept in the list: close() and the journal try again.
    }
  }

  private rule(tap: string, src: string, dst: VmPort): string {
    return `add rule bridge ${this.table} ports iifname "${tap}" ether daddr ${dst.mac} counter comment "${src}>${dst.vm}"`;
  }

  /** The guest's address without the prefix length. */
  address(vm: string): string {
    return this.port(vm).ip.split("/")[0];
  }

  port(vm: string): VmPort {
    const p = this.ports.get(vm);
    if (!p) throw new Error(`live: VM ${vm} has no port on the run's bridge`);
    return p;
  }

  /** Starts counting bytes per ordered VM pair (see the file's comment); the tap reads them. */
  count(): TrafficTap {
    if (!NFT) throw new Error("live: nft (nftables) is not installed; VTTIF on VM traffic needs it");
    const table = `virtuoso_${process.pid}`;
    this.journal.add({ kind: "nft", family: "bridge", table });
    this.table = table;
    const rules = [`add table bridge ${table}`, `add chain bridge ${table} ports { type filter hook prerouting priority 0; }`];
    for (const a of this.ports.values()) for (const b of this.ports.values()) if (a !== b) rules.push(this.rule(a.tap, a.vm, b));
    try {
      execFileSync(NFT, ["-f", "-"], { input: rules.join("\n") + "\n" });
    } catch (err) {
      this.table = undefined;
      throw err;
    }
    return { hosts: () => ["localhost"], read: () => this.read() };
  }

  private read(): TrafficSample[] {
    if (!this.table) return [];
    const doc = JSON.parse(execFileSync(NFT!, ["-j", "list", "table", "bridge", this.table], { encoding: "utf8" })) as { nftables: Record<string, any>[] };
    // A pair's bytes: the sum over its rules (one per tap its sender has had).
    const total = new Map<string, number>();
    for (const item of doc.nftables) {
      const rule = item.rule;
      const counter = rule?.expr.find((e: any) => e.counter)?.counter;
      if (!counter || typeof rule.comment !== "string") continue;
      total.set(rule.comment, (total.get(rule.comment) ?? 0) + counter.bytes);
    }
    const out: TrafficSample[] = [];
    for (const [pair, bytes] of total) {
      const [src, dst] = pair.split(">");
      const delta = bytes - (this.last.get(pair) ?? 0);
      this.last.set(pair, bytes);
      if (delta > 0) out.push({ src, dst, bytes: delta });
    }
    return out;
  }

  /** Deletes the counters, the taps and the bridge (QEMU should have closed its taps first). */
  close(): void {
    if (this.table) {
      try {
        execFileSync(NFT!, ["delete", "table", "bridge", this.table], { stdio: "ignore" });
      } catch {
        // Already gone.
      }
      this.table = undefined;
    }
    for (const name of this.links.splice(0).reverse()) {
      try {
        if (existsSync(`/sys/class/net/${name}`)) ipLink("link", "del", name);
      } catch {
        // The journal undoes what is left.
      }
    }
  }
}

/** Links of this tool (vtbrPID, vtPID-I, a migration's vtPID-ImK) still present (a cleanup check). */
export function leftoverLinks(pid?: number): string[] {
  // Another tool's namespaces can make ip warn on stderr; only the list matters.
  const out = execFileSync("ip", ["-o", "link"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const names = [...out.matchAll(/^\d+: ([^:@ ]+)/gm)].map((m) => m[1]);
  return names.filter((n) => (pid === undefined ? /^vt(br)?\d+(-\d+(m\d+)?)?$/ : new RegExp(`^vt(br)?${pid}(-\\d+(m\\d+)?)?$`)).test(n));
}
