/**
 * Live migration of a running QEMU VM to a new QEMU process on this machine: the destination
 * starts with the same devices and `-incoming`, the source is told to `migrate`, and
 * `query-migrate` is polled until it completes or fails. A migration counts as completed only
 * once the guest runs at the destination (new heartbeat lines on its serial console): under
 * TCG a destination guest can die after many dirty syncs, and that is a failed migration.
 * The source is then quit. The destination is journaled before it starts.
 */
import { createServer } from "node:net";
import type { Journal } from "../journal.js";
import { QemuVm } from "./qemu.js";

export interface MigrationParams {
  /** QEMU `max-bandwidth`, bytes per second (QEMU's default is 32 MiB/s). */
  maxBandwidth?: number;
  /** QEMU `downtime-limit`, seconds (QEMU's default is 0.3 s). */
  downtimeLimit?: number;
  /** Migration capabilities to turn on, e.g. "auto-converge", "xbzrle". */
  capabilities?: string[];
  /** tcp (127.0.0.1, a free port) or a unix socket in the run's folder. */
  transport?: "tcp" | "unix";
  /** After this many dirty syncs, stop and copy whatever remains (QEMU itself has no limit):
   * the downtime limit is lifted so the next pass is the last. */
  maxRounds?: number;
}

export interface MigrateOptions extends MigrationParams {
  journal: Journal;
  /** Distinguishes this VM's successive destinations (files and QEMU name). */
  index: number;
  /** Seconds for the destination to open QMP and for the migration itself. */
  timeout?: number;
  /** Seconds the guest has to print `beats` heartbeat lines at the destination. */
  healthTimeout?: number;
  beats?: number;
  /** Called with the destination's vCPU threads before the switch-over can happen (the
   * destination is paused until then): where a reservation is re-applied. */
  beforeStart?: (dest: QemuVm) => Promise<void> | void;
  /** Called as soon as QEMU reports the migration completed (the destination runs the guest),
   * before the health check: where a dispatcher switches to the destination. */
  afterSwitch?: (dest: QemuVm) => void;
  /** Called when the guest resumes at the destination (its RESUME event): the switch-over as
   * the guest sees it, after the destination has loaded the last state. */
  onResume?: (dest: QemuVm) => void;
  /** Called with the destination as soon as its process exists. */
  started?: (dest: QemuVm) => void;
  /** The caller's clock (seconds), for `start` and `end`. */
  now?: () => number;
  /** The destination's NIC (QEMU arguments: its own tap, the source's MAC and device); default the source's. */
  nic?: string[];
}

/** What one migration took, as QEMU reports it and as the guest saw it. */
export interface LiveMigrationReport {
  vm: string;
  status: "completed" | "failed";
  /** Why it failed. */
  reason?: string;
  start: number;
  end: number;
  /** QEMU's total-time, downtime and setup-time, seconds. */
  total_s: number;
  downtime_s: number;
  setup_s: number;
  /** Bytes sent (ram.transferred), guest RAM size, and zero pages found (not sent in full). */
  bytes: number;
  total_bytes: number;
  duplicate_bytes: number;
  normal_bytes: number;
  /** Dirty-bitmap syncs: one per pre-copy pass, the stop-and-copy included. */
  dirty_syncs: number;
  rounds: number;
  /** QEMU's mean throughput, Mbit/s. */
  mbps: number;
  /** Longest gap between the guest's heartbeat lines (source, then destination) from the
   * `migrate` command to the health check: the outage the guest's output shows. */
  outage_s: number;
  /** The median gap between heartbeat lines before the migration: the resolution of outage_s. */
  heartbeat_s: number;
  /** When the guest resumed at the destination (the caller's clock). */
  resumed: number;
}

export interface QueryMigrate {
  status: string;
  "total-time"?: number;
  downtime?: number;
  "setup-time"?: number;
  "error-desc"?: string;
  ram?: { transferred: number; total: number; duplicate: number; "normal-bytes": number; "dirty-sync-count": number; mbps: number; "page-size"?: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nobody listens on now, on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Median of consecutive differences of increasing times. */
function medianGap(t: number[]): number {
  const g = t.slice(1).map((x, i) => x - t[i]).sort((a, b) => a - b);
  return g.length ? g[Math.floor(g.length / 2)] : NaN;
}

/**
 * Migrates `src` to a new QEMU process; resolves with the VM that now runs the guest (the
 * destination, or the source again if the migration failed and it could be resumed) and the
 * report. Never leaves two QEMU processes for one VM.
 */
export async function migrateVm(src: QemuVm, o: MigrateOptions): Promise<{ vm: QemuVm; report: LiveMigrationReport }> {
  const now = o.now ?? (() => performance.now() / 1000);
  const timeout = o.timeout ?? 60;
  const files = `${src.o.files ?? src.o.vm}.m${o.index}`;
  const name = `${src.o.name}-m${o.index}`;
  const incoming = o.transport === "unix" ? `unix:${src.o.dir}/${files}.mig` : `tcp:127.0.0.1:${await freePort()}`;
  const start = now();
  const before = src.beats.slice(-50);
  const zero = { resumed: NaN, total_s: NaN, downtime_s: NaN, setup_s: NaN, bytes: NaN, total_bytes: NaN, duplicate_bytes: NaN, normal_bytes: NaN, dirty_syncs: NaN, rounds: NaN, mbps: NaN, outage_s: NaN, heartbeat_s: medianGap(before) };
  o.journal.add({ kind: "process", mark: name });
  const dest = new QemuVm({ ...src.o, name, files, incoming, ...(o.nic ? { nic: o.nic } : {}) });
  o.journal.process(dest.pid);
  o.started?.(dest);
  const fail = async (reason: string): Promise<{ vm: QemuVm; report: LiveMigrationReport }> => {
    dest.vcpuSeconds(); // Its last reading stays readable.
    dest.kill();
    try {
      await src.qmp!.execute("migrate_cancel");
      if ((await src.status()) !== "running") await src.cont();
    } catch {
      // The source may not resume after a completed migration; it is reported as it is.
    }
    return { vm: src, report: { vm: src.o.vm, status: "failed", reason, start, end: now(), ...zero } };
  };
  let unsubscribe: () => void = () => undefined;
  let resumed = NaN;
  try {
    await dest.attach(timeout);
    const offResume = dest.qmp!.onEvent((e) => {
      if (e.event !== "RESUME" || !Number.isNaN(resumed)) return;
      resumed = now();
      o.onResume?.(dest);
    });
    const off = unsubscribe;
    unsubscribe = () => (off(), offResume());
    await o.beforeStart?.(dest);
    const sentOut = await sendMigration(src, incoming, { ...o, timeout, destGone: () => dest.gone, onSwitch: () => o.afterSwitch?.(dest) });
    if (!sentOut.ok) return fail(sentOut.reason);
    const { info, sent } = sentOut;
    const doneAt = now();
    sentOut.switchOver();
    const switched = sentOut.switched();
    // The guest must run at the destination: its heartbeat resumes there.
    const need = o.beats ?? 2;
    const healthEnd = Date.now() + (o.healthTimeout ?? 15) * 1000;
    const at = dest.beats.length;
    while (dest.beats.length < at + need) {
      if (dest.gone) return fail(`the guest died at the destination: ${dest.gone}; its console: ${[...dest.console.filter((l) => /RIP:|BUG|Oops|Call Trace|^\[.*\] [a-z_]+\+0x/.test(l)).slice(0, 12), ...dest.console.slice(-2)].join(" | ")}`);
      if (Date.now() > healthEnd) {
        const state = await dest.status().catch((e: Error) => e.message);
        return fail(`the guest printed no heartbeat at the destination within ${o.healthTimeout ?? 15} s (${state}; its console: ${dest.console.slice(-3).join(" | ") || "nothing"})`);
      }
      await sleep(20);
    }
    // Running, or paused by a dispatcher (VSched's stops): the heartbeat showed it ran.
    const state = await dest.status();
    if (state !== "running" && state !== "paused") return fail(`the destination is ${state}`);
    if (Number.isNaN(resumed)) {
      resumed = doneAt;
      o.onResume?.(dest);
    }
    // The source's beats up to the switch-over (a stray `cont` could wake it after), then the destination's.
    const beats = [...src.beats.filter((t) => t >= sent - 10 && t <= switched), ...dest.beats].filter((t, i, a) => i === 0 || t >= a[i - 1]);
    const from = beats.filter((t) => t < sent).pop() ?? sent;
    const seen = [from, ...beats.filter((t) => t >= sent)];
    const outage = Math.max(0, ...seen.slice(1).map((t, i) => t - seen[i]));
    src.vcpuSeconds(); // Paused for good: its final count stays readable once it has quit.
    await src.quit();
    return {
      vm: dest,
      report: {
        vm: src.o.vm,
        status: "completed",
        start,
        end: doneAt,
        ...migrationFigures(info),
        outage_s: outage,
        heartbeat_s: medianGap(before),
        resumed,
      },
    };
  } catch (err) {
    return fail((err as Error).message);
  } finally {
    unsubscribe();
  }
}

/** QEMU's own figures of a completed migration (query-migrate), in seconds and bytes. */
export function migrationFigures(info: QueryMigrate): Pick<LiveMigrationReport, "total_s" | "downtime_s" | "setup_s" | "bytes" | "total_bytes" | "duplicate_bytes" | "normal_bytes" | "dirty_syncs" | "rounds" | "mbps"> {
  const ram = info.ram!;
  return {
    total_s: info["total-time"]! / 1000,
    downtime_s: (info.downtime ?? NaN) / 1000,
    setup_s: (info["setup-time"] ?? NaN) / 1000,
    bytes: ram.transferred,
    total_bytes: ram.total,
    duplicate_bytes: ram.duplicate * (ram["page-size"] ?? 4096),
    normal_bytes: ram["normal-bytes"],
    dirty_syncs: ram["dirty-sync-count"],
    rounds: ram["dirty-sync-count"],
    mbps: ram.mbps,
  };
}

export interface SendOptions extends MigrationParams {
  timeout: number;
  /** More migration parameters (the TLS credentials and the name the destination's certificate must carry). */
  parameters?: Record<string, unknown>;
  /** Why the destination is gone, when it is known to be (a local destination). */
  destGone?: () => string | undefined;
  /** Called once at the switch-over (QEMU's MIGRATION event, or the completed reply). */
  onSwitch?: () => void;
}

export type Sent =
  | { ok: true; info: QueryMigrate; sent: number; switched: () => number; switchOver: () => void }
  | { ok: false; reason: string };

/**
 * The source's side of a migration: capabilities and parameters set, `migrate` to `uri`, and
 * `query-migrate` polled until it completes or fails (the destination may be this machine's
 * or another host's). On failure the migration is cancelled and the source resumed.
 */
export async function sendMigration(src: QemuVm, uri: string, o: SendOptions): Promise<Sent> {
  const q = src.qmp!;
  const caps = ["events", ...(o.capabilities ?? [])];
  let unsubscribe = () => {};
  try {
    await q.execute("migrate-set-capabilities", { capabilities: caps.map((capability) => ({ capability, state: true })) });
    const params: Record<string, unknown> = { ...o.parameters };
    if (o.maxBandwidth !== undefined) params["max-bandwidth"] = Math.round(o.maxBandwidth);
    if (o.downtimeLimit !== undefined) params["downtime-limit"] = Math.max(1, Math.round(o.downtimeLimit * 1000));
    if (Object.keys(params).length) await q.execute("migrate-set-parameters", params);
    // The switch-over as QEMU announces it (the MIGRATION event), ahead of any later reply.
    let switched = NaN;
    const switchOver = () => {
      if (!Number.isNaN(switched)) return;
      switched = performance.now() / 1000;
      o.onSwitch?.();
    };
    unsubscribe = q.onEvent((e) => {
      if (e.event === "MIGRATION" && (e.data as { status?: string })?.status === "completed") switchOver();
    });
    const sent = performance.now() / 1000;
    await q.execute("migrate", { uri });
    const end = Date.now() + o.timeout * 1000;
    let info: QueryMigrate;
    let forced = false;
    for (;;) {
      info = await q.execute<QueryMigrate>("query-migrate");
      if (info.status === "completed" || info.status === "failed" || info.status === "cancelled") break;
      if (o.maxRounds !== undefined && !forced && (info.ram?.["dirty-sync-count"] ?? 0) >= o.maxRounds) {
        forced = true;
        await q.execute("migrate-set-parameters", { "downtime-limit": 2_000_000 });
      }
      const gone = o.destGone?.();
      if (gone) return await cancelled(src, gone);
      if (Date.now() > end) return await cancelled(src, `not done within ${o.timeout} s (${info.status})`);
      await sleep(20);
    }
    if (info.status !== "completed") return await cancelled(src, `QEMU: ${info.status}${info["error-desc"] ? `: ${info["error-desc"]}` : ""}`);
    // query-migrate can say "completed" once with zero times; the next reading has them.
    for (let i = 0; i < 20 && !(info["total-time"]! > 0 && info.ram); i++) {
      await sleep(10);
      info = await q.execute<QueryMigrate>("query-migrate");
    }
    return { ok: true, info, sent, switched: () => switched, switchOver };
  } catch (err) {
    return await cancelled(src, (err as Error).message);
  } finally {
    unsubscribe();
  }
}

async function cancelled(src: QemuVm, reason: string): Promise<Sent> {
  try {
    await src.qmp!.execute("migrate_cancel");
    if ((await src.status()) !== "running") await src.cont();
  } catch {
    // The source may not resume after a completed migration; the caller reports it as it is.
  }
  return { ok: false, reason };
}
