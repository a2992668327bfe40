/**
 * Measures QEMU live migration on this host: a source VM whose guest dirties memory at a set
 * rate inside a set buffer (the guest's `dirty` work), a destination QEMU process waiting on
 * `-incoming`, a migration over a unix socket in a private folder (nothing listens on the
 * network), QEMU's own statistics from `query-migrate`, and a health check: the destination
 * guest must go on printing its heartbeat. `trace` keeps the source's QEMU migration trace
 * events (timestamps of every pending check, bitmap sync and rate-limit wait) in a file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chooseAccel, guestCommandLine, QEMU, type Accel } from "../vm/qemu.js";
import { Qmp } from "../vm/qmp.js";
import type { Guest } from "../vm/guest.js";
import { encodeLayout, LAYOUT_CHUNK, LAYOUT_PAGE as PAGE, type MemoryLayout } from "../../platform/migration/layout.js";

const MiB = 1 << 20;
/** QEMU's nice value while measured (measure runs as root). */
export const NICE = -10;

/** A case that cannot be measured on this host and guest (not a fault of this program). */
export class MeasurementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MeasurementError";
  }
}

export type Health = "ok" | "panic" | "silent" | "stopped";

export interface MigrationCase {
  memoryMiB: number;
  /** Guest dirtying, MiB of pages per second, cycling through `workingSetMiB`. */
  dirtyMiBps: number;
  workingSetMiB: number;
  /** QEMU's max-bandwidth, MiB/s. */
  capMiBps: number;
  downtimeLimitMs: number;
}

export interface MigrationMeasurement extends MigrationCase {
  accel: Accel;
  totalMs: number;
  setupMs: number;
  downtimeMs: number;
  transferredBytes: number;
  duplicatePages: number;
  normalPages: number;
  dirtySyncCount: number;
  /** Bytes sent before the guest was stopped, and while it was stopped (QEMU's `precopy-bytes`, `downtime-bytes`). */
  precopyBytes: number;
  downtimeBytes: number;
  /** The source guest's nonzero pages per MiB of RAM, read once it is paused at the end of the migration (layout.ts). */
  layout: string;
  /** The destination guest: "ok" (a newer heartbeat and QEMU reports it running), "panic" (a kernel panic or oops on its console), "silent" (nothing within 30 s), "stopped". */
  health: Health;
}

interface RamStats {
  transferred: number;
  duplicate: number;
  normal: number;
  "dirty-sync-count": number;
  "precopy-bytes"?: number;
  "downtime-bytes"?: number;
}
interface MigrateInfo {
  status?: string;
  "total-time"?: number;
  "setup-time"?: number;
  downtime?: number;
  ram?: RamStats;
  "error-desc"?: string;
}

/** One QEMU process with its serial console and QMP socket. */
class Machine {
  readonly child: ChildProcess;
  readonly console: string[] = [];
  qmp?: Qmp;
  exited?: string;

  constructor(readonly name: string, readonly dir: string, guest: Guest, accel: Accel, c: MigrationCase, incoming: boolean, trace?: string) {
    const args = [
      "-name", `virtuoso-migmeasure-${process.pid}-${name}`,
      "-accel", accel, "-m", String(c.memoryMiB), "-smp", "1",
      "-nodefaults", "-display", "none", "-no-reboot", "-serial", "stdio",
      "-kernel", guest.kernel, "-initrd", guest.initrd,
      "-append", guestCommandLine(accel, "dirty", { dirty: `${c.dirtyMiBps},${c.workingSetMiB}` }),
      "-qmp", `unix:${join(dir, name + ".qmp")},server=on,wait=off`,
      ...(incoming ? ["-incoming", "defer"] : []),
      ...(trace ? ["-trace", "migrat*", "-trace", "migrate_*", "-D", trace] : []),
    ];
    // setpriv: QEMU dies with this process, however it ends. nice -10: the machine's other
    // work (at nice 0) gets about a tenth of QEMU's CPU weight, so it disturbs the measured
    // times less; the two QEMUs still share the machine with each other, as they must here.
    this.child = spawn("nice", ["-n", String(NICE), "setpriv", "--pdeathsig", "KILL", "--", QEMU!, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let buf = "", err = "";
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        if (this.console.length < 20_000) this.console.push(buf.slice(0, nl).replace(/\r$/, ""));
        buf = buf.slice(nl + 1);
      }
    });
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (err = (err + d).slice(-2000)));
    this.child.once("exit", (code, sig) => (this.exited = `qemu ${name} exited (${sig ?? code}): ${err.trim()}`));
  }

  async open(timeout: number): Promise<Qmp> {
    return (this.qmp = await Qmp.open(join(this.dir, this.name + ".qmp"), timeout));
  }

  /** The dirtier's refusal (its working set does not fit), if it printed one. */
  refused(): string | undefined {
    return this.console.find((l) => l.includes("virtuoso-guest: dirty: "))?.replace(/^.*virtuoso-guest: dirty: /, "");
  }

  /** The guest's latest heartbeat number, or -1. */
  beat(): number {
    for (let i = this.console.length - 1; i >= 0; i--) {
      const m = this.console[i].match(/virtuoso-guest: dirty (\d+)/);
      if (m) return Number(m[1]);
    }
    return -1;
  }

  async until(what: string, ok: () => boolean, timeout: number): Promise<void> {
    const end = Date.now() + timeout * 1000;
    while (!ok()) {
      if (this.exited) throw new Error(`${what}: ${this.exited}; ${this.console.find((l) => /Kernel panic/.test(l))?.trim() ?? "no panic on the console"}`);
      if (Date.now() > end) throw new Error(`${what}: not within ${timeout} s; console: ${this.console.slice(-3).join(" | ")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(): void {
    this.qmp?.close();
    if (!this.exited) this.child.kill("SIGKILL");
  }
}

/** Migrates one guest and returns QEMU's statistics; VMs and the folder are gone afterwards. */
export async function measureMigration(guest: Guest, c: MigrationCase, opts: { bootTimeout?: number; trace?: string } = {}): Promise<MigrationMeasurement> {
  const bootTimeout = opts.bootTimeout ?? 180;
  if (!QEMU) throw new Error("qemu-system-x86_64 is not installed");
  const accel = chooseAccel();
  const dir = mkdtempSync(join(tmpdir(), "virtuoso-migmeasure-"));
  const machines: Machine[] = [];
  try {
    const src = new Machine("src", dir, guest, accel, c, false, opts.trace);
    machines.push(src);
    const sq = await src.open(bootTimeout);
    // Two heartbeats: the buffer is filled and the dirtier is at its rate.
    await src.until("source guest boot", () => src.beat() >= 2 || src.refused() !== undefined, bootTimeout);
    const refused = src.refused();
    if (refused) throw new MeasurementError(`${c.memoryMiB} MiB guest, ${c.workingSetMiB} MiB working set: ${refused}`);
    const dst = new Machine("dst", dir, guest, accel, c, true);
    machines.push(dst);
    const dq = await dst.open(bootTimeout);
    const uri = `unix:${join(dir, "migrate.sock")}`;
    await dq.execute("migrate-incoming", { uri });
    await sq.execute("migrate-set-parameters", { "max-bandwidth": c.capMiBps * MiB, "downtime-limit": c.downtimeLimitMs });
    const before = src.beat();
    await sq.execute("migrate", { uri });
    let info: MigrateInfo = {};
    const end = Date.now() + 600_000;
    for (;;) {
      info = await sq.execute<MigrateInfo>("query-migrate");
      if (info.status === "completed" || info.status === "failed" || info.status === "cancelled") break;
      if (Date.now() > end) throw new Error("migration did not finish within 600 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    if (info.status !== "completed") throw new Error(`migration ${info.status}: ${info["error-desc"] ?? ""}`);
    // Read again: the first answer after completion can carry zeros.
    await new Promise((r) => setTimeout(r, 200));
    info = await sq.execute<MigrateInfo>("query-migrate");
    // The layout the pass met, read from the source now that it is paused for good, so the
    // dump (it reads all of guest RAM) adds nothing to the migration it describes.
    const layout = encodeLayout(await ramLayout(sq, c.memoryMiB * MiB));
    let health: Health = "ok";
    try {
      await dst.until("destination heartbeat", () => dst.beat() > before + 1 || dst.console.some((l) => /Kernel panic|Oops/.test(l)), 30);
      if (dst.beat() <= before + 1) health = "panic";
      else if ((await dq.execute<{ status: string }>("query-status")).status !== "running") health = "stopped";
    } catch {
      health = "silent";
    }
    const ram = info.ram!;
    return {
      ...c,
      accel,
      totalMs: info["total-time"] ?? NaN,
      setupMs: info["setup-time"] ?? NaN,
      downtimeMs: info.downtime ?? NaN,
      transferredBytes: ram.transferred,
      duplicatePages: ram.duplicate,
      normalPages: ram.normal,
      dirtySyncCount: ram["dirty-sync-count"],
      precopyBytes: ram["precopy-bytes"] ?? NaN,
      downtimeBytes: ram["downtime-bytes"] ?? NaN,
      layout,
      health,
    };
  } finally {
    for (const m of machines) m.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The guest's RAM layout: QMP pmemsave of guest-physical 0..memory (the order QEMU's
 * pass meets pc.ram) into a file in memory (/dev/shm where there is one, so the dump puts no
 * disk writeback on the machine), counted page by page and removed.
 */
async function ramLayout(qmp: Qmp, memory: number): Promise<MemoryLayout> {
  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "virtuoso-ram-"));
  const file = join(dir, "ram");
  try {
    await qmp.execute("pmemsave", { val: 0, size: memory, filename: file });
    const fd = openSync(file, "r");
    try {
      const chunk = Buffer.alloc(LAYOUT_CHUNK), zero = Buffer.alloc(PAGE);
      const layout: MemoryLayout = [];
      for (let at = 0; at < memory; at += LAYOUT_CHUNK) {
        const n = readSync(fd, chunk, 0, LAYOUT_CHUNK, at);
        let nonzero = 0;
        for (let p = 0; p + PAGE <= n; p += PAGE) if (chunk.compare(zero, 0, PAGE, p, p + PAGE) !== 0) nonzero++;
        layout.push(nonzero);
      }
      return layout;
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
