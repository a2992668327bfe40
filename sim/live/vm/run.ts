/**
 * `virtuoso live` with `live.vms: "qemu"`: every VM of the scenario boots the live guest
 * under QEMU on this machine (KVM where a stock module is loaded, TCG otherwise), and the
 * scenario's VSched reservations are enforced on the vCPU threads for `duration` seconds of
 * wall time after the last guest has booted. Shares are per-thread CPU time (schedstat) of
 * the vCPU threads over wall time. Everything is journaled before it is created and undone
 * on every exit path.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chart } from "../../../analysis/chart.js";
import { controlFigure } from "../../runner/figures.js";
import { recordsToRows, toCsv } from "../../../analysis/csv.js";
import { OutputDir } from "../../../analysis/output.js";
import { quantile } from "../../../analysis/quantile.js";
import type { Scenario } from "../../scenario/index.js";
import type { Backend, BackendName } from "../backends.js";
import type { Journal } from "../journal.js";
import type { LiveOptions, LiveResult } from "../run.js";
import { WallClock } from "../wallclock.js";
import { VmCgroup, VmDeadline, VmSignals } from "./cpu.js";
import { buildGuest } from "./guest.js";
import { LivePlacement, type LiveMigration } from "./placement.js";
import { chooseAccel, QemuVm } from "./qemu.js";
import { VmNetwork } from "./net.js";
import { bspParam } from "./bsp.js";
import { Vttif } from "../../vttif/vttif.js";
import { RateController, type ControlRecord } from "../../control/index.js";
import type { CpuControl } from "../../ports/index.js";
import type { BspSpec } from "../../workload/schema.js";
import { seatLive, type LiveSteering } from "../steer/index.js";

const LIVE_TICK = 1e-4;


/** Supersteps a BSP application runs in all (a sequence's count is of whole sequences). */
const totalSteps = (w: BspSpec) => (w.sequence ? w.supersteps * w.sequence.reduce((k, x) => k + x.supersteps, 0) : w.supersteps);

/** Where a run's pidfiles, QMP sockets and consoles go. */
export const runDir = (journal: Journal): string => join(journal.file.replace(/\.jsonl$/, ""));

export async function runLiveVms(s: Scenario, backendName: BackendName, journal: Journal, opts: LiveOptions = {}): Promise<LiveResult> {
  // The build script is its own cache check (a changed /init rebuilds).
  const guest = buildGuest();
  const accel = chooseAccel();
  const dir = runDir(journal);
  journal.add({ kind: "dir", path: dir });
  mkdirSync(dir, { recursive: true });
  const uMax = Math.min(0.95, ...s.platform.hosts.map((h) => h.uMax - h.overheadReserve));
  const batch = new Set(s.workloads.flatMap((w) => (w.kind === "batch" ? [w.vm] : [])));
  const bsps = s.workloads.flatMap((w) => (w.kind === "bsp" ? [w] : []));
  const vms = new Map<string, QemuVm>();
  // A VM across migrations: every QEMU process that held it (a destination's vCPU thread is
  // idle until the switch-over; a finished one keeps its last reading), and its consoles.
  const first = new Map<string, QemuVm>();
  const holders = (id: string) => [first.get(id)!, ...(placement?.started ?? []).filter((d) => d.o.vm === id)];
  const cpu = (id: string) => holders(id).reduce((sum, h) => sum + h.vcpuSeconds(), 0);
  // The guest's own counter carries over: the furthest any holder saw.
  const progress = (id: string) => Math.max(...holders(id).map((h) => h.progress));
  const retired = new Map<string, string[]>();
  const failedConsoles = new Map<string, string[]>();
  let placement: LivePlacement | undefined;
  let backend: (Backend & Pick<VmDeadline, "admitMove" | "follow" | "check">) | undefined;
  let clock = new WallClock();
  // The VMs' network, where they exchange messages or VTTIF watches them.
  let net: VmNetwork | undefined;
  let steering: LiveSteering | undefined;
  try {
    if (bsps.length) net = new VmNetwork(s.vms.map((v) => v.id), journal);
    // Each rank of a BSP application: its index and the application's addresses.
    const ranks = new Map<string, string>();
    for (const w of bsps) w.vms.forEach((vm, i) => ranks.set(vm, bspParam(w, i, w.vms.map((x) => net!.address(x)))));
    // A peer guest pings each VM that migrates (see pinger()), for the network-visible outage.
    const pingers = net ? choosePingers(s) : new Map<string, string>();
    const pinged = new Map<string, string[]>();
    for (const [vm, peer] of pingers) pinged.set(peer, [...(pinged.get(peer) ?? []), net!.address(vm)]);
    const t0 = Date.now();
    for (const v of s.vms) {
      const name = `virtuoso-${process.pid}-${v.id}`;
      journal.add({ kind: "process", mark: name });
      const rank = ranks.get(v.id);
      const work = rank ? "bsp" : batch.has(v.id) ? "spin" : "idle";
      const params: Record<string, string> = net ? { ip: net.port(v.id).ip, ...(rank ? { bsp: rank } : {}), ...(pinged.has(v.id) ? { ping: pinged.get(v.id)!.join(",") } : {}) } : {};
      const vm = new QemuVm({ vm: v.id, name, dir, guest, accel, memoryMb: Math.round(v.memory / 2 ** 20), vcpus: v.vcpus, work, nic: net?.qemuArgs(v.id), params });
      journal.process(vm.pid);
      vms.set(v.id, vm);
      first.set(v.id, vm);
    }
    await Promise.all([...vms.values()].map((vm) => vm.boot(s.live!.bootTimeout)));
    const bootS = (Date.now() - t0) / 1000;
    // Every rank connected to its peers: all start at once, as the clock does.
    await Promise.all([...ranks.keys()].map((vm) => vms.get(vm)!.waitFor(/virtuoso-guest: bsp rank \d+ of \d+ connected/, s.live!.bootTimeout)));
    for (const vm of ranks.keys()) vms.get(vm)!.type("go");
    // An application's supersteps: those all its ranks have completed (the simulator's
    // barrier), counted from the moment the clock starts.
    // A rank's count is the furthest any of its QEMU processes saw: a migration's destination
    // has printed nothing until its first superstep there.
    const done = (app: string) => Math.min(...bsps.find((w) => w.id === app)!.vms.map((v) => Math.max(...holders(v).map((h) => h.supersteps))));
    const base = new Map(bsps.map((w) => [w.id, done(w.id)]));
    const supersteps = (app: string) => done(app) - base.get(app)!;
    const appOf = new Map(bsps.flatMap((w) => w.vms.map((vm) => [vm, w.id] as const)));
    clock = new WallClock();
    backend = backendName === "deadline" ? new VmDeadline(vms, uMax, journal) : backendName === "cgroup" ? new VmCgroup(vms, uMax, journal) : new VmSignals(vms, uMax, journal, clock, LIVE_TICK, s.policies.vsched.budget);
    const b = backend;
    const p = (placement = new LivePlacement({
      vms,
      hosts: new Map(s.vms.map((v) => [v.id, v.host])),
      memory: new Map(s.vms.map((v) => [v.id, v.memory])),
      backend: b,
      journal,
      now: () => clock.now,
      downtimeLimit: s.platform.migration.downtimeBudget,
      maxRounds: s.platform.migration.maxRounds,
      maxBandwidth: s.live!.migration.maxBandwidth,
      capabilities: s.live!.migration.autoConverge ? ["auto-converge"] : [],
      net,
      probe: { pinger: (vm) => (pingers.has(vm) ? { pinger: pingers.get(vm)!, target: net!.address(vm) } : undefined), reports: (id) => holders(id).flatMap((h) => h.pings) },
      onFailed: (id, dest, reason) => {
        const f = failedConsoles.get(id) ?? [];
        f.push(`--- a failed migration's destination (${dest.pid}): ${reason} ---`, ...dest.console);
        failedConsoles.set(id, f);
      },
      onSwitch: (id, src, dest) => {
        const r = retired.get(id) ?? [];
        r.push(...src.console, `--- migrated to a new QEMU process (${dest.pid}) at ${clock.now.toFixed(3)} s ---`);
        retired.set(id, r);
      },
    }));
    for (const m of s.live!.migrations) clock.at(m.at, () => p.migrate(m.vm, m.to));
    const tap = net && s.policies.vttif.enabled ? net.count() : undefined;
    const vttif = tap ? new Vttif(clock, tap, { send: (_a, _b, _n, done) => done() }, { ...s.policies.vttif, aggregator: "localhost" }) : undefined;
    // The global rate controller, unchanged, on the guests' supersteps; it reserves through the backend.
    const control = s.policies.control;
    const records: ControlRecord[] = [];
    if (control && control.apps.length) {
      const cpu: CpuControl = { reserve: (vm, r) => b.reserve(vm, r), release: (vm) => b.release(vm), usage: (vm) => b.usage(vm), progress: (app) => (base.has(app) ? supersteps(app) : undefined) };
      const apps = control.apps.map((a) => ({ app: a.app, vms: bsps.find((w) => w.id === a.app)!.vms, dedicatedRate: a.dedicatedRate, targets: a.targets }));
      new RateController(clock, cpu, apps, control).onRecord((r) => records.push(r));
    }
    // Steering (the scenario's actions, a console's) through the same backend; each VM's CPU is
    // its vCPU threads' (every QEMU process that held it). No one perceives responses here.
    steering = seatLive(s, clock, b, { observe: () => {} }, [...vms.keys()].map((id) => ({ id, cpuSeconds: () => cpu(id) })), journal);
    const steered = steering;
    opts.steer?.(steered);
    const verdicts = new Map<string, string>();
    for (const r of s.policies.vsched.reservations) {
      clock.at(r.at, () => {
        const v = steered.cpu.reserve(r.vm, { period: r.period, slice: r.slice });
        verdicts.set(r.vm, v.admitted ? "admitted" : v.reason);
      });
    }
    // Measure after a short settling time past the last reservation.
    const from = Math.max(0, ...s.policies.vsched.reservations.map((r) => r.at)) + 0.5;
    const marks = new Map<string, { t: number; cpu: number; steps: number }>();
    clock.at(from, () => {
      for (const id of vms.keys()) marks.set(id, { t: clock.now, cpu: cpu(id), steps: progress(id) });
    });
    // With migrations, each VM's vCPU time every 0.1 s, for the share-over-time figure.
    const samples: { t: number; cpu: number[] }[] = [];
    const stepSamples: { t: number; steps: Map<string, number> }[] = [];
    if (s.live!.migrations.length) clock.every(SAMPLE, () => {
      if (samples.length < 1e5) samples.push({ t: clock.now, cpu: [...vms.keys()].map(cpu) });
      if (bsps.length && stepSamples.length < 1e5) stepSamples.push({ t: clock.now, steps: new Map(bsps.map((w) => [w.id, supersteps(w.id)])) });
    }, 0);
    await new Promise<void>((r) => {
      clock.at(s.duration, r);
      const until = opts.until;
      if (until) clock.every(0.1, () => until({ now: clock.now, supersteps: new Map(bsps.map((w) => [w.id, supersteps(w.id)])), topology: vttif?.current?.topology }) && r());
    });
    // A migration still in flight ends (within its own timeouts) before the run does.
    await p.settled();
    // A migrating rank's application: its superstep rate over 2 s before and after.
    for (const m of p.migrations) if (appOf.has(m.vm) && m.status === "completed") {
      m.superstep_rate_before = stepRate(stepSamples, appOf.get(m.vm)!, m.start - RATE_WINDOW, m.start);
      m.superstep_rate_after = stepRate(stepSamples, appOf.get(m.vm)!, m.resumed, m.resumed + RATE_WINDOW);
    }
    const stalled = (b as { stalled?: Set<string> }).stalled ?? new Set<string>();
    const throttling = new Map([...vms.keys()].map((id) => [id, b instanceof VmCgroup ? b.throttling(id) : undefined]));
    const steps = new Map(bsps.map((w) => [w.id, supersteps(w.id)]));
    const reports = vttif?.reports.map((r) => ({ t: r.t, topology: r.topology, confidence: r.confidence })) ?? [];
    const controlled = new Map<string, ControlRecord[]>();
    for (const r of records) controlled.set(r.app, [...(controlled.get(r.app) ?? []), r]);
    const rows = [...vms.keys()].map((id) => {
      const m = marks.get(id)!;
      // Steered during the measuring window (a console, an action): no one reservation to hold it to.
      const moved = (steered.changed.get(id) ?? -Infinity) > m.t;
      const res = moved ? undefined : steered.held.get(id) ?? s.policies.vsched.reservations.filter((r) => r.vm === id).pop();
      const admitted = steered.held.has(id) || verdicts.get(id) === "admitted";
      return {
        vm: id,
        period_s: res?.period ?? NaN,
        slice_s: res?.slice ?? NaN,
        expected_share: res && admitted ? res.slice / res.period : NaN,
        measured_share: (cpu(id) - m.cpu) / (clock.now - m.t),
        guest_progress_per_s: (progress(id) - m.steps) / (clock.now - m.t),
        // The rate controller's ranks: their reservation changes every interval (control.csv).
        verdict: moved ? "steered during the window" : steered.held.has(id) && !verdicts.has(id) ? "admitted" : verdicts.get(id) ?? (control?.apps.some((a) => bsps.find((w) => w.id === a.app)?.vms.includes(id)) ? "rate-controlled" : "unreserved"),
      };
    });
    const summary = {
      scenario: s.name,
      backend: backendName,
      vms: "qemu",
      accel,
      wall_s: Math.round(clock.now * 1000) / 1000,
      metrics: {
        // As a simulated run's BSP metrics, and as live process runs report them.
        ...Object.fromEntries(bsps.map((w) => {
          const k = steps.get(w.id)!;
          return [w.id, { ranks: w.vms.length, supersteps: k, finished: done(w.id) >= totalSteps(w), mean_superstep_s: clock.now / k, rate: k / clock.now }];
        })),
        ...(vttif ? { vttif: { reports: reports.length, topology: vttif.current?.topology ?? "none", history: reports.map((r) => `${r.t.toFixed(1)}:${r.topology}`).join(" ") } } : {}),
        // The simulator's control metrics: the last record's target, utilization and period, the mean rate of the last three.
        ...(controlled.size ? { control: Object.fromEntries([...controlled].flatMap(([app, h]) => {
          const last = h.slice(-3), end = h[h.length - 1];
          return [[`${app}.target`, end.target], [`${app}.rate`, last.reduce((x, r) => x + r.rate, 0) / last.length], [`${app}.utilization`, end.utilization], [`${app}.period`, end.period], [`${app}.reachable`, end.reachable]];
        })) } : {}),
        ...Object.fromEntries(rows.map((r) => [r.vm, {
          expected_share: r.expected_share,
          measured_share: r.measured_share,
          verdict: r.verdict,
          vcpu_threads: vms.get(r.vm)!.vcpus.length,
          vcpu_advancing: !stalled.has(r.vm),
          guest_progress_per_s: r.guest_progress_per_s,
          ...(throttling.get(r.vm) ? { cgroup_periods: throttling.get(r.vm)!.periods, cgroup_throttled: throttling.get(r.vm)!.throttled } : {}),
        }])),
        boot: { all_guests_at_init_s: bootS },
        ...(Object.keys(steered.metrics()).length ? { steering: steered.metrics() } : {}),
        ...Object.fromEntries(p.migrations.map((x, i) => [`migration.${i + 1}`, migrationSummary(x)])),
        dispatcher: {
          timer_error_p50_ms: clock.latenessQuantile(0.5) * 1000,
          timer_error_p99_ms: clock.latenessQuantile(0.99) * 1000,
          ...(b instanceof VmSignals && b.qmpLatency.length ? { qmp_p50_ms: quantile(b.qmpLatency, 0.5) * 1000, qmp_p99_ms: quantile(b.qmpLatency, 0.99) * 1000 } : {}),
        },
      },
    };
    return {
      summary,
      stage(out) {
        const o = new OutputDir(out);
        o.add("scenario.json", JSON.stringify(s, null, 2) + "\n");
        o.add("shares.csv", toCsv(recordsToRows(rows, ["vm", "period_s", "slice_s", "expected_share", "measured_share", "guest_progress_per_s", "verdict"])));
        const reserved = rows.filter((r) => Number.isFinite(r.expected_share));
        if (reserved.length) {
          o.add("shares.svg", chart({
            title: `Live ${backendName} on QEMU (${accel}): vCPU share, reserved against measured`,
            x: { label: "reserved share (slice / period)", domain: [0, 0.6] },
            y: { label: "measured vCPU thread share", domain: [0, 0.6] },
            series: [
              { name: "x = y", points: [[0, 0], [0.6, 0.6]] },
              { name: "VMs", points: reserved.map((r) => [r.expected_share, r.measured_share] as [number, number]), kind: "scatter" },
            ],
          }));
        }
        for (const [id, vm] of vms) o.add(`console-${id}.txt`, [...(retired.get(id) ?? []), ...vm.console, ...(failedConsoles.get(id) ?? [])].join("\n") + "\n");
        if (p.migrations.length) {
          o.add("migrations.csv", toCsv(recordsToRows(p.migrations.map(migrationMetrics), MIGRATION_COLUMNS)));
          o.add("migration.svg", shareFigure([...vms.keys()], samples, rows, p.migrations, `Live ${backendName} on QEMU (${accel}): vCPU share across migrations`));
        }
        if (steered.uucsRows.length) o.add("uucs.csv", toCsv(recordsToRows(steered.uucsRows.map((r) => ({ ...r })), ["t", "testcase", "resource", "level", "state"])));
        if (steered.log.length) o.add("steering.csv", toCsv(recordsToRows(steered.log.map((e) => ({ ...e, admitted: e.admitted ? 1 : 0 })), ["t", "kind", "target", "detail", "admitted", "reason"])));
        if (vttif) o.add("vttif.reports.csv", toCsv(recordsToRows(reports, ["t", "topology", "confidence"])));
        if (records.length) o.add("control.svg", controlFigure(controlled, s, "Live global rate control on QEMU VMs: rate, target and utilization", "wall time (s)"));
        if (records.length) o.add("control.csv", toCsv(recordsToRows(records.map((r) => ({ ...r, reachable: r.reachable ? 1 : 0 })), ["t", "app", "target", "rate", "utilization", "period", "reachable", "note"])));
        o.add("summary.json", JSON.stringify(summary, null, 2) + "\n");
        return o;
      },
    };
  } finally {
    clock.stop();
    // A UUCS testcase still running ends with the run.
    steering?.uucs.stop();
    try {
      backend?.restore();
    } catch {
      // The journal undoes the rest.
    }
    await Promise.all([...vms.values()].map((vm) => vm.quit().catch(() => vm.kill())));
    for (const vm of placement?.started ?? []) vm.kill();
    // After QEMU has let go of its tap.
    net?.close();
  }
}

/**
 * For each VM that live.migrations moves (on a network): the peer guest that pings it, the
 * first VM of the scenario that never migrates (its own switch-over would show as the target's
 * outage), else the first other VM.
 */
function choosePingers(s: Scenario): Map<string, string> {
  const moving = new Set(s.live!.migrations.map((m) => m.vm));
  const out = new Map<string, string>();
  for (const vm of moving) {
    const peer = s.vms.find((v) => v.id !== vm && !moving.has(v.id)) ?? s.vms.find((v) => v.id !== vm);
    if (peer) out.set(vm, peer.id);
  }
  return out;
}

const SAMPLE = 0.1;
const RATE_WINDOW = 2;

/** An application's supersteps/s between the samples nearest `t0` and `t1` (within the run). */
function stepRate(samples: { t: number; steps: Map<string, number> }[], app: string, t0: number, t1: number): number {
  const near = (t: number) => samples.reduce((best, x) => (Math.abs(x.t - t) < Math.abs(best.t - t) ? x : best), samples[0]);
  if (!samples.length) return NaN;
  const a = near(Math.max(0, t0)), b = near(t1);
  return b.t > a.t ? (b.steps.get(app)! - a.steps.get(app)!) / (b.t - a.t) : NaN;
}
const WINDOW = 5;

/** Each VM's vCPU thread share over sliding 0.5 s windows, its reservation dashed, and each
 * migration's start and the guest's resumption at the destination marked. */
function shareFigure(ids: string[], samples: { t: number; cpu: number[] }[], rows: { vm: string; expected_share: number }[], migrations: LiveMigration[], title: string): string {
  const at = (i: number) => samples.slice(WINDOW).map((x, k) => [x.t, (x.cpu[i] - samples[k].cpu[i]) / (x.t - samples[k].t)] as [number, number]);
  const end = samples.length ? samples[samples.length - 1].t : 1;
  const reserved = rows.filter((r) => Number.isFinite(r.expected_share));
  const top = Math.max(0.4, ...ids.flatMap((_, i) => at(i).map((q) => q[1]))) * 1.1;
  return chart({
    title,
    x: { label: "time since the guests booted (s)", domain: [0, end] },
    y: { label: `vCPU thread share, ${(WINDOW * SAMPLE).toFixed(1)} s windows`, domain: [0, top] },
    series: [
      ...ids.map((id, i) => ({ name: id, points: at(i), markers: false })),
      ...reserved.map((r) => ({ name: `${r.vm} reserved`, points: [[0, r.expected_share], [end, r.expected_share]] as [number, number][], dash: "4 3", markers: false })),
    ],
    markName: "migration start, resume",
    marks: migrations.flatMap((m) => [
      { at: m.start, label: `${m.vm} → ${m.to}` },
      ...(m.status === "completed" ? [{ at: m.resumed, label: `${m.vm} resumed` }] : [{ at: m.end, label: `${m.vm}: failed` }]),
    ]),
  });
}

/** The simulator's migration columns (migrations.csv) first, then what only QEMU reports. */
const MIGRATION_COLUMNS = ["vm", "from", "to", "start", "end", "total_s", "downtime_s", "bytes", "rounds", "status", "resumed", "setup_s", "total_bytes", "duplicate_bytes", "normal_bytes", "dirty_syncs", "mbps", "outage_s", "heartbeat_s", "network_outage_s", "network_gap_before_s", "pinger", "superstep_rate_before", "superstep_rate_after", "share_1s_after", "reason"];

function migrationMetrics(m: LiveMigration): Record<string, string | number> {
  return Object.fromEntries(MIGRATION_COLUMNS.map((k) => [k, (m as unknown as Record<string, string | number>)[k] ?? ""]));
}

/** One migration in summary.json: the same, without an empty reason. */
function migrationSummary(m: LiveMigration): Record<string, string | number> {
  const { reason, ...rest } = migrationMetrics(m);
  return reason ? { ...rest, reason } : rest;
}
