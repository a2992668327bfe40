/**
 * A host's QEMU VMs in a cluster run: each booting the live guest (sim/live/vm/), its rank in
 * the guest, its NIC on a tap of the host's overlay bridge (counted and forwarded as any VM
 * port; see host.ts). A VM migrates between hosts with QEMU's TLS migration over the underlay:
 * the destination starts a QEMU waiting for it (`-incoming defer`, then `migrate-incoming` on
 * this host's underlay address, the sender's certificate verified against the cluster's CA
 * and its common name against the source host's),
 * the source sends it there (the destination's certificate verified against the CA and its
 * underlay address); once QEMU reports it completed and the destination has seen the guest
 * run (new superstep lines), the source's paused QEMU and its tap go, else the source resumes.
 */
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import type { Journal } from "../journal.js";
import { cachedGuest, chooseAccel, migrationFigures, probeQemu, QemuVm, rankParam, sendMigration, TLS_CLIENT, TLS_SERVER, type LiveMigrationReport } from "../vm/index.js";
import { vmAddress, vmMac, type Args, type GuestMessage } from "./protocol.js";
import type { HostPeer } from "./host.js";
import { hostCn } from "../cluster/file.js";

/** Where this host's QEMU VMs keep their files and find their migration credentials. */
export interface HostFiles {
  /** A folder for this run's QEMU files (pidfiles, QMP sockets), made on first use and journaled. */
  dir: string;
  /** QEMU's x509 folder for migration streams (cluster init's qemu-NAME/), if the cluster file names one. */
  tls?: string;
}

/** What the guests need of their host's run. */
export interface GuestHost {
  self: HostPeer;
  peer(host: string): HostPeer;
  /** A VM of the run: its index (address, MAC). */
  vm(vm: string): { index: number };
  journal: Journal;
  files?: HostFiles;
  /** A tap for the VM on the bridge, counted and forwarded (journaled first); returns its name. */
  plugTap(vm: string): string;
  /** The VM's port goes, with the rules that acted at it. */
  unplug(vm: string): void;
}

/** A free TCP port on `address` (in this host's namespace). */
function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, address, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export class HostGuests {
  /** QEMU VMs running here, and destinations waiting for a VM's migration. */
  readonly qemus = new Map<string, QemuVm>();
  private readonly incoming = new Map<string, QemuVm>();
  /** Sources paused after a completed migration, until the destination shows the guest runs. */
  private readonly leaving = new Set<string>();
  private count = 0;
  private madeDir = false;
  /** Each VM's application's ranks, in rank order (a guest names a message's sender by rank). */
  private readonly ranksOf = new Map<string, string[]>();
  /** Seconds a guest may take to boot and connect to its peers (the longest any start gave). */
  private bootTimeout = 0;

  constructor(private readonly host: string, private readonly p: GuestHost) {}

  has(vm: string): boolean {
    return this.qemus.has(vm) || this.incoming.has(vm);
  }

  /** Whether `vm`'s QEMU here has sent it away and waits to learn whether it runs there. */
  isLeaving(vm: string): boolean {
    return this.leaving.has(vm);
  }

  /** Whether `vm` runs here (not yet: a destination waiting for it). */
  runs(vm: string): boolean {
    return this.qemus.has(vm);
  }

  waiting(vm: string): boolean {
    return this.incoming.has(vm);
  }

  /** Whether this host's VMs can migrate (the cluster file names QEMU's credentials for it). */
  get migratable(): boolean {
    return !!this.p.files?.tls;
  }

  /**
   * A QEMU VM of this host: a tap on the bridge (journaled), counted and forwarded as any VM
   * port, and QEMU booting the guest with the rank's job, or (a migration's destination)
   * waiting for the VM over TLS on this host's underlay address. Returns without waiting for the
   * guest; `go` waits for every rank to have connected.
   */
  async start(a: Args<"vm.start">): Promise<{ port?: number }> {
    const q = a.qemu!;
    this.bootTimeout = Math.max(this.bootTimeout, q.bootTimeout);
    const why = probeQemu();
    if (why) throw new Error(why);
    const guest = cachedGuest();
    if (!guest) throw new Error(`no live guest built (sh sim/live/vm/guest/build.sh)`);
    if (a.incoming && !this.p.files?.tls) throw new Error(`the cluster file names no QEMU credentials (qemu) for ${this.host}; run cluster init again`);
    const dir = this.p.files!.dir;
    if (!this.madeDir) {
      this.p.journal.add({ kind: "dir", path: dir });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.madeDir = true;
    }
    const { index } = this.p.vm(a.vm);
    this.ranksOf.set(a.vm, a.ranks);
    const tap = this.p.plugTap(a.vm);
    const k = ++this.count;
    const name = `virtuoso-agent-${process.pid}-${a.vm}-${k}`;
    this.p.journal.add({ kind: "process", mark: name });
    const vm = new QemuVm({
      vm: a.vm,
      name,
      dir,
      files: `${a.vm}.${k}`,
      guest,
      accel: chooseAccel(),
      memoryMb: q.memoryMb,
      vcpus: q.vcpus,
      work: "bsp",
      nic: ["-netdev", `tap,id=net0,ifname=${tap},script=no,downscript=no`, "-device", `virtio-net-pci,netdev=net0,mac=${vmMac(index)}`],
      params: { ip: `${vmAddress(index)}/24`, bsp: rankParam(a, a.ranks.indexOf(a.vm), a.ranks.map((v) => vmAddress(this.p.vm(v).index))) },
      migrationTls: this.p.files?.tls,
      ...(a.incoming ? { incoming: "defer" } : {}),
    });
    this.p.journal.process(vm.pid);
    (a.incoming ? this.incoming : this.qemus).set(a.vm, vm);
    try {
      await vm.attach(q.bootTimeout);
      if (!a.incoming) return {};
      const port = await freePort(this.p.self.underlay);
      // Only the source host's certificate (its common name), not any the cluster's CA signed.
      await vm.qmp!.execute("object-add", { "qom-type": "authz-simple", id: "vtmigauthz", identity: `CN=${hostCn(a.incoming.from)}` });
      await vm.qmp!.execute("migrate-set-parameters", { "tls-creds": TLS_SERVER, "tls-authz": "vtmigauthz" });
      await vm.qmp!.execute("migrate-incoming", { uri: `tcp:${this.p.self.underlay}:${port}` });
      return { port };
    } catch (e) {
      this.drop(a.vm);
      throw e;
    }
  }

  /** A destination that will not get its VM (the migration failed): its QEMU and tap go. */
  drop(vm: string): void {
    const q = this.incoming.get(vm);
    if (!q) return;
    q.kill();
    this.incoming.delete(vm);
    this.p.unplug(vm);
  }

  /**
   * Placement.migrate at the source: the VM's QEMU sends it to the destination `to` made ready
   * (vm.start with incoming) on `port`, over TLS, the destination's certificate checked against
   * the cluster's CA and its underlay address. Completed, the source stays paused until the
   * destination has shown the guest runs there (vm.moved: then it goes) or has not (vm.resume:
   * it runs on here). Failed: the VM runs on here.
   */
  async migrate(a: Args<"vm.migrate">): Promise<LiveMigrationReport> {
    const src = this.qemus.get(a.vm)!;
    const to = this.p.peer(a.to);
    const start = performance.now() / 1000;
    const sent = await sendMigration(src, `tcp:${to.underlay}:${a.port}`, {
      timeout: a.timeout,
      downtimeLimit: a.downtimeLimit,
      maxBandwidth: a.maxBandwidth,
      maxRounds: a.maxRounds,
      capabilities: a.autoConverge ? ["auto-converge"] : [],
      parameters: { "tls-creds": TLS_CLIENT, "tls-hostname": to.underlay },
    });
    const end = performance.now() / 1000;
    // QEMU paused the guest for the switch-over and resumed it here: its clock stood still.
    if (!sent.ok) src.clock.reset();
    const none = { total_s: NaN, downtime_s: NaN, setup_s: NaN, bytes: NaN, total_bytes: NaN, duplicate_bytes: NaN, normal_bytes: NaN, dirty_syncs: NaN, rounds: NaN, mbps: NaN };
    if (!sent.ok) return { vm: a.vm, status: "failed", reason: sent.reason, start, end, ...none, outage_s: NaN, heartbeat_s: NaN, resumed: NaN };
    this.leaving.add(a.vm);
    return { vm: a.vm, status: "completed", start, end, ...migrationFigures(sent.info), outage_s: NaN, heartbeat_s: NaN, resumed: NaN };
  }

  /** The destination did not show the guest running: the paused source runs it on. */
  async resume(vm: string): Promise<void> {
    this.leaving.delete(vm);
    const q = this.qemus.get(vm)!;
    if ((await q.status()) !== "running") await q.cont();
    // Paused since the switch-over, its guest's clock stood still meanwhile.
    q.clock.reset();
  }

  /**
   * The VM now runs on `host`. Here, if this is its destination, its QEMU must run the guest:
   * running, and printing new superstep lines within `healthTimeout` seconds (under TCG a guest
   * can die after a migration with network traffic, QEMU's failure). If this was its source,
   * the paused QEMU and its tap go.
   */
  async moved(vm: string, host: string, healthTimeout = 15): Promise<void> {
    if (host === this.host) {
      const q = this.incoming.get(vm)!;
      const beats = q.beats.length;
      let state = "";
      // The source reports completed once it has sent the last state; this end may still be loading it.
      for (const end = Date.now() + healthTimeout * 1000; ; await new Promise((r) => setTimeout(r, 50))) {
        // A destination that fails to load the last state exits: its QMP closes before its exit is seen.
        let lost = false;
        state = q.gone ?? (await q.status().catch(async (e: Error) => ((lost = true), await new Promise((r) => setTimeout(r, 500)), q.gone ?? e.message)));
        if ((state === "running" && q.beats.length >= beats + 2) || lost || q.gone || Date.now() > end) break;
      }
      if (state !== "running" || q.beats.length < beats + 2) {
        const oops = q.console.filter((l) => /RIP:|BUG|Oops|Call Trace|panic/.test(l)).slice(0, 6);
        throw new Error(`${vm} migrated here, but its guest does not run (QEMU ${state}, ${q.beats.length - beats} superstep lines in ${healthTimeout} s; console: ${[...oops, ...q.console.slice(-2)].join(" | ") || "nothing"})`);
      }
      this.incoming.delete(vm);
      this.qemus.set(vm, q);
    } else if (this.leaving.has(vm)) {
      this.leaving.delete(vm);
      await this.qemus.get(vm)!.quit();
      this.qemus.delete(vm);
      this.p.unplug(vm);
    }
  }

  /** QMP's view of a VM's QEMU here: its run state and its migration's. */
  async state(vm: string): Promise<{ status: string; migration: string; pid: number }> {
    const q = this.qemus.get(vm) ?? this.incoming.get(vm)!;
    if (q.gone) return { status: "exited", migration: "none", pid: q.pid };
    const m = await q.qmp!.execute<{ status?: string }>("query-migrate");
    return { status: await q.status(), migration: m.status ?? "none", pid: q.pid };
  }

  /** Starts every guest's rank once each has connected to its peers (they boot meanwhile). */
  async go(): Promise<void> {
    await Promise.all([...this.qemus.values()].map((q) => q.waitFor(/virtuoso-guest: bsp rank \d+ of \d+ connected/, this.bootTimeout)));
    for (const q of this.qemus.values()) q.type("go");
  }

  /** The messages this host's guests received since the last call, in the guests' clocks (see `clocks`). */
  takeTransfers(): GuestMessage[] {
    const out: GuestMessage[] = [];
    for (const [vm, q] of [...this.qemus, ...this.incoming]) {
      const ranks = this.ranksOf.get(vm) ?? [];
      for (const m of q.takeTransfers()) if (ranks[m.src] !== undefined) out.push({ srcVm: ranks[m.src], dstVm: vm, bytes: m.bytes, start: m.start, end: m.end });
    }
    return out;
  }

  /** Each guest running here (not one paused after leaving): its clock's offset, host epoch seconds minus guest seconds. */
  clocks(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [vm, q] of this.qemus) {
      const o = q.clock.offset;
      if (o !== undefined && !this.leaving.has(vm)) out[vm] = o;
    }
    return out;
  }

  progress(): [string, number][] {
    return [...this.qemus].map(([vm, q]) => [vm, q.supersteps]);
  }
}
