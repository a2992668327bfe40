/**
 * `virtuoso live`: a scenario's VMs become real processes and its VSched reservations are
 * enforced by a real mechanism for the scenario's duration in wall time. Writes the same kind
 * of output as a simulated run. Everything it changes is undone on exit, error, SIGINT or
 * SIGTERM: reservations released, stopped processes continued, children killed.
 */
import { chart } from "../../analysis/chart.js";
import { recordsToRows, toCsv, type Cell } from "../../analysis/csv.js";
import { quantile } from "../../analysis/quantile.js";
import { OutputDir } from "../../analysis/output.js";
import type { Scenario } from "../scenario/index.js";
import { CgroupBackend, cgroupRoot, DeadlineBackend, MachineTooLoaded, probe, SignalsBackend, signalsCpus, which, type Backend, type BackendName } from "./backends.js";
import { spawn, type ChildProcess } from "node:child_process";
import { nodeProgram } from "../source/index.js";
import { Vttif } from "../vttif/vttif.js";
import { NFT, NftablesTap } from "./nftap.js";
import { LiveProcess, spawnCpuBound } from "./procs.js";
import { WallClock } from "./wallclock.js";
import { LoadSeries } from "./load-series.js";
import { ProcLoadSensor } from "./sensors.js";
import { makePredictor } from "../predict/index.js";
import { DispatchTap, timelineGroups, type Timeline } from "../kernel/index.js";
import { ScenarioError } from "../scenario/index.js";
import { cleanupDead, Journal } from "./journal.js";
import { liveProblems } from "./refuse.js";
import { seatLive, type LiveSteering } from "./steer/index.js";
import { probeQemu, probeVmNetwork, runLiveVms } from "./vm/index.js";

export class LiveUnavailable extends Error {}

/** `setpriv` arguments before a command: it dies with the run, even a SIGKILLed one. */
const DIE_WITH_RUN = ["--pdeathsig", "KILL", "--"];

/** The mechanism's counters, as shares.csv columns. */
const SHARE_COUNTERS: Record<BackendName, string[]> = { signals: ["booked_s"], deadline: [], cgroup: ["periods", "throttled_periods", "throttled_s"] };

/** Resolution of the live VSched dispatcher, seconds. */
const LIVE_TICK = 1e-4;

const rankProgram = nodeProgram(new URL("./bsp-rank.ts", import.meta.url));
const proberProgram = nodeProgram(new URL("./prober.ts", import.meta.url));

/** What a run can be stopped on before its duration: wall seconds, supersteps per application
 * and VTTIF's current topology. */
export interface LiveProgress {
  now: number;
  supersteps: ReadonlyMap<string, number>;
  topology: string | undefined;
}

export interface LiveOptions {
  /** Ends the run early once true (checked every 0.1 s); the duration stays the limit. */
  until?: (p: LiveProgress) => boolean;
  /** Record dispatches (signals backend), reservations and VTTIF reports here, in wall seconds from the start. */
  timeline?: Timeline;
  /** Called once time starts (process VMs), with the run's steering: a console watches and steers through it. */
  steer?: (h: LiveSteering) => void;
}

export interface LiveResult {
  summary: Record<string, unknown>;
  stage(dir: string): OutputDir;
}

export async function runLive(s: Scenario, backendName: BackendName, opts: LiveOptions = {}): Promise<LiveResult> {
  const problems = liveProblems(s);
  if (problems.length) throw new ScenarioError(problems);
  const why = probe(backendName) ?? (which("setpriv") ? undefined : "setpriv (util-linux) is needed, so what a run starts dies with it") ?? (s.live?.vms === "qemu" ? probeQemu() ?? probeVmNetwork(s) : undefined);
  if (why) throw new LiveUnavailable(`live ${backendName}: ${why}`);
  // What dead runs left goes first; then this run journals what it creates.
  cleanupDead();
  const journal = new Journal();
  const onHangup = () => {
    journal.undo();
    process.exit(129);
  };
  // SIGINT and SIGTERM are handled below (process VMs) or by the journal (QEMU VMs).
  process.once("SIGHUP", onHangup);
  try {
    if (s.live?.vms === "qemu") {
      const onSignal = (sig: NodeJS.Signals) => onExit(journal, sig);
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        return await runLiveVms(s, backendName, journal, opts);
      } finally {
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
      }
    }
    return await runLiveProcesses(s, backendName, journal, opts);
  } finally {
    process.removeListener("SIGHUP", onHangup);
    journal.undo();
  }
}

function onExit(journal: Journal, sig: NodeJS.Signals): never {
  journal.undo();
  process.exit(sig === "SIGINT" ? 130 : 143);
}

async function runLiveProcesses(s: Scenario, backendName: BackendName, journal: Journal, opts: LiveOptions): Promise<LiveResult> {
  const unsupported = s.workloads.filter((w) => w.kind !== "batch" && w.kind !== "bsp" && w.kind !== "interactive");
  if (unsupported.length) throw new LiveUnavailable(`live: workloads of kind ${[...new Set(unsupported.map((w) => w.kind))].join(", ")} have no live program yet (batch, interactive and bsp only)`);
  const bsps = s.workloads.flatMap((w) => (w.kind === "bsp" ? [w] : []));
  if (bsps.length && !NFT) throw new LiveUnavailable("live: nft (nftables) is not installed; the live TrafficTap needs it");
  const uMax = Math.min(0.95, ...s.platform.hosts.map((h) => h.uMax - h.overheadReserve));
  let clock = new WallClock();
  const procs = new Map<string, LiveProcess>();
  // VSched's own dispatcher keeps its workers on one CPU; the kernel mechanisms need no pinning.
  const pin = backendName === "signals" ? String(signalsCpus().workers) : undefined;
  let backend: Backend | undefined;
  let tap: NftablesTap | undefined;
  const ranks: ChildProcess[] = [];
  // A UUCS testcase still running when the run ends stops with it.
  let stopBorrowing = () => {};
  const cleanup = () => {
    clock.stop();
    try {
      stopBorrowing();
      backend?.restore();
      tap?.close();
    } finally {
      for (const p of procs.values()) {
        p.signal("SIGCONT");
        p.signal("SIGKILL");
      }
      for (const r of ranks) r.kill("SIGKILL");
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    cleanup();
    onExit(journal, sig);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const cpu0 = process.cpuUsage();
  try {
    for (const w of s.workloads) if (w.kind === "batch") procs.set(w.vm, spawnCpuBound(w.vm, pin));
    for (const p of procs.values()) journal.process(p.pid);
    // Interactive probers: real processes that time their own bursts of work.
    const responses = new Map<string, number[]>();
    // What the people at the VMs perceive: each response as the prober reports it.
    const listeners = new Map<string, ((r: number) => void)[]>();
    let started = false;
    /** Each response as a person perceived it (when one is seated), for responses.csv. */
    const perceived: { t: number; app: string; response_s: number }[] = [];
    const responseTap = { observe: (app: string, fn: (r: number) => void) => void (listeners.get(app) ?? listeners.set(app, []).get(app)!).push(fn) };
    // Time starts once every program has started (a loaded machine takes seconds to start node).
    const ready: Promise<void>[] = [];
    for (const w of s.workloads) {
      if (w.kind !== "interactive") continue;
      const args = [...proberProgram.execArgv, proberProgram.file, JSON.stringify({ thinkTime: w.thinkTime, burstOps: w.burstOps, seed: `${s.seed}/${w.id}` })];
      const child = spawn("setpriv", [...DIE_WITH_RUN, ...(pin ? ["taskset", "-c", pin] : []), process.execPath, ...args], { stdio: ["ignore", "pipe", "inherit"] });
      const list: number[] = [];
      responses.set(w.id, list);
      ready.push(new Promise((r, j) => {
        child.stdout!.once("data", () => r());
        child.once("exit", (c) => j(new Error(`live: the prober of ${w.vm} exited (${c}) before it started`)));
      }));
      child.stdout!.on("data", (d) => {
        for (const m of String(d).matchAll(/response ([\d.e-]+)/g)) {
          if (!(clock.now > 0) || !started) continue;
          list.push(Number(m[1]));
          if (s.policies.user) perceived.push({ t: clock.now, app: w.id, response_s: Number(m[1]) });
          for (const fn of listeners.get(w.id) ?? []) fn(Number(m[1]));
        }
      });
      procs.set(w.vm, new LiveProcess(w.vm, child));
      journal.process(child.pid!);
    }
    // BSP ranks: real processes on their own loopback addresses, counted by nftables.
    const steps = new Map<string, number>();
    const addresses = new Map<string, string>();
    for (const w of bsps) {
      w.vms.forEach((vm) => addresses.set(vm, `127.0.0.${10 + addresses.size}`));
      steps.set(w.id, 0);
    }
    if (bsps.length) {
      journal.add({ kind: "nft", family: "inet", table: `virtuoso_${process.pid}` });
      tap = new NftablesTap(addresses);
    }
    for (const w of bsps) {
      const job = { addresses: w.vms.map((v) => addresses.get(v)!), port: 20000 + (process.pid % 20000), sequence: w.sequence ?? [{ pattern: w.pattern, supersteps: 1 }], messageBytes: w.messageBytes, computeOps: w.computeOps, supersteps: w.sequence ? w.supersteps * w.sequence.reduce((k, x) => k + x.supersteps, 0) : w.supersteps };
      w.vms.forEach((_, rank) => {
        const child = spawn("setpriv", [...DIE_WITH_RUN, process.execPath, ...rankProgram.execArgv, rankProgram.file, JSON.stringify({ ...job, rank })], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
        ranks.push(child);
        journal.process(child.pid!);
        ready.push(new Promise((r) => child.once("message", () => r())));
        if (rank === 0) child.stdout!.on("data", (d) => {
          const m = String(d).trim().split("\n").pop()?.match(/step (\d+)/);
          if (m) steps.set(w.id, Number(m[1]));
        });
      });
    }
    await Promise.all(ready);
    await new Promise((r) => setTimeout(r, 100));
    // Time starts once the processes exist.
    clock = new WallClock();
    for (const r of ranks) r.send("go");
    // The machine's load (busy cores) once a second beside its NWS one-step forecast: how
    // predictable the host was during the run. Reads /proc/stat only; changes nothing else.
    const hostLoad = new LoadSeries(new ProcLoadSensor("busy"), makePredictor({ kind: "nws", order: 4, window: 120, refit: 1, errorWindow: 30 }, 1));
    clock.every(1, () => hostLoad.sample(clock.now));
    const vttif = tap && s.policies.vttif.enabled ? new Vttif(clock, tap, { send: (_a, _b, _n, done) => done() }, { ...s.policies.vttif, aggregator: "localhost" }) : undefined;
    // The live dispatcher has high-resolution timers (as VSched could); the scenario's tick
    // models a kernel's timer in simulation, not Node's.
    const tick = LIVE_TICK;
    // The cgroup backend makes one group per VM (backends.ts); each is journaled before it can exist.
    if (backendName === "cgroup") for (const vm of procs.keys()) journal.add({ kind: "cgroup", path: `${cgroupRoot()!.path}/virtuoso-${process.pid}-${vm.replace(/[^A-Za-z0-9_.-]/g, "_")}` });
    backend = backendName === "deadline" ? new DeadlineBackend(procs, uMax) : backendName === "cgroup" ? new CgroupBackend(procs, uMax) : new SignalsBackend(procs, uMax, clock, tick, s.policies.vsched.budget);
    const b = backend;
    started = true;
    const steering = seatLive(s, clock, b, responseTap, [...procs].map(([id, p]) => ({ id, cpuSeconds: () => p.cpuSeconds() })), journal);
    stopBorrowing = () => void steering.uucs.stop();
    opts.steer?.(steering);
    // The same tracks as a simulated run's timeline: the scenario's first host, core 0 (the dispatcher's one CPU).
    const host = s.platform.hosts[0]?.id ?? "localhost";
    const dispatches = opts.timeline && b instanceof SignalsBackend ? new DispatchTap(opts.timeline) : undefined;
    if (dispatches) dispatches.patch(host, () => clock.now, b as SignalsBackend);
    const verdicts = new Map<string, string>();
    const marks = new Map<string, { t: number; cpu: number; counters: Record<string, number> }>();
    for (const r of s.policies.vsched.reservations) {
      clock.at(r.at, () => {
        const v = steering.cpu.reserve(r.vm, { period: r.period, slice: r.slice });
        verdicts.set(r.vm, v.admitted ? "admitted" : v.reason);
        opts.timeline?.instant(timelineGroups.vms, r.vm, "reserve", clock.now, { period_s: r.period, slice_s: r.slice, share: r.slice / r.period, verdict: v.admitted ? "admitted" : v.reason });
      });
    }
    // Measure after a short settling time past the last reservation.
    const from = Math.max(0, ...s.policies.vsched.reservations.map((r) => r.at)) + 0.5;
    clock.at(from, () => {
      for (const [vm, p] of procs) marks.set(vm, { t: clock.now, cpu: p.cpuSeconds(), counters: b.counters(vm) });
    });
    await new Promise<void>((r) => {
      clock.at(s.duration, r);
      const until = opts.until;
      if (until) clock.every(0.1, () => until({ now: clock.now, supersteps: steps, topology: vttif?.current?.topology }) && r());
    });
    const overloaded = b.overloaded();
    if (overloaded) throw new MachineTooLoaded(`live ${backendName}: ${overloaded}`);
    if (opts.timeline) {
      dispatches?.close(clock.now);
      for (const r of vttif?.reports ?? []) opts.timeline.instant(timelineGroups.policies, "VTTIF", `report: ${r.topology}`, r.t, { topology: r.topology, confidence: r.confidence, vms: r.vms.length });
    }
    const rows = [...procs].map(([vm, p]) => {
      const m = marks.get(vm) ?? { t: clock.now, cpu: p.cpuSeconds(), counters: {} };
      // Steered during the measuring window (a person, an action): no one reservation to hold it to.
      const steered = (steering.changed.get(vm) ?? -Infinity) > m.t;
      const res = steered ? undefined : steering.held.get(vm) ?? s.policies.vsched.reservations.filter((r) => r.vm === vm).pop();
      const admitted = steering.held.has(vm) || verdicts.get(vm) === "admitted";
      const cpu = p.cpuSeconds() - m.cpu, window = clock.now - m.t;
      // The mechanism's own counters over the same window (booked time, throttling).
      const counters = Object.fromEntries(Object.entries(b.counters(vm)).map(([k, v]) => [k, v - (m.counters[k] ?? 0)]));
      return {
        vm,
        period_s: res?.period ?? NaN,
        slice_s: res?.slice ?? NaN,
        expected_share: res && admitted ? res.slice / res.period : NaN,
        measured_share: cpu / window,
        cpu_s: cpu,
        window_s: window,
        ...counters,
        verdict: steered ? "steered during the window" : steering.held.has(vm) && !verdicts.has(vm) ? "admitted" : verdicts.get(vm) ?? "unreserved",
      };
    });
    const self = process.cpuUsage(cpu0);
    const reports = vttif?.reports.map((r) => ({ t: r.t, topology: r.topology, confidence: r.confidence })) ?? [];
    const summary = {
      scenario: s.name,
      backend: backendName,
      wall_s: Math.round(clock.now * 1000) / 1000,
      metrics: {
        ...Object.fromEntries([...steps].map(([app, k]) => [app, { supersteps: k, rate: k / clock.now }])),
        ...Object.fromEntries([...responses].map(([id, r]) => [id, { requests: r.length, mean_response_s: r.reduce((a, b) => a + b, 0) / r.length, p95_response_s: quantile(r, 0.95) }])),
        ...(vttif ? { vttif: { reports: reports.length, topology: vttif.current?.topology ?? "none", history: reports.map((r) => `${r.t.toFixed(1)}:${r.topology}`).join(" ") } } : {}),
        ...Object.fromEntries(rows.map(({ vm, period_s: _p, slice_s: _s, ...r }) => [vm, r])),
        host_load: hostLoad.summary(),
        ...(Object.keys(steering.metrics()).length ? { steering: steering.metrics() } : {}),
        dispatcher: {
          cpu_share: (self.user + self.system) / 1e6 / clock.now,
          timer_error_p50_ms: clock.latenessQuantile(0.5) * 1000,
          timer_error_p99_ms: clock.latenessQuantile(0.99) * 1000,
          // The finest slice this dispatcher can honour: its tick plus its worst usual lateness.
          resolution_limit_ms: (tick + clock.latenessQuantile(0.99)) * 1000,
        },
      },
    };
    return {
      summary,
      stage(dir) {
        const out = new OutputDir(dir);
        out.add("scenario.json", JSON.stringify(s, null, 2) + "\n");
        out.add("shares.csv", toCsv(recordsToRows(rows as Record<string, Cell>[], ["vm", "period_s", "slice_s", "expected_share", "measured_share", "cpu_s", "window_s", ...SHARE_COUNTERS[backendName], "verdict"])));
        if (perceived.length) out.add("responses.csv", toCsv(recordsToRows(perceived, ["t", "app", "response_s"])));
        if (steering.events.length) out.add("user.events.csv", toCsv(recordsToRows(steering.events as unknown as Record<string, Cell>[], ["t", "user", "event", "share", "threshold", "note"])));
        if (steering.uucsRows.length) out.add("uucs.csv", toCsv(recordsToRows(steering.uucsRows as unknown as Record<string, Cell>[], ["t", "testcase", "resource", "level", "state"])));
        if (steering.log.length) out.add("steering.csv", toCsv(recordsToRows(steering.log.map((e) => ({ ...e, admitted: e.admitted ? 1 : 0 })) as unknown as Record<string, Cell>[], ["t", "kind", "target", "detail", "admitted", "reason"])));
        if (vttif) out.add("vttif.reports.csv", toCsv(recordsToRows(reports, ["t", "topology", "confidence"])));
        out.add("load.csv", toCsv(recordsToRows(hostLoad.rows as unknown as Record<string, Cell>[], ["t", "load", "forecast"])));
        const reservedRows = rows.filter((r) => Number.isFinite(r.expected_share));
        if (reservedRows.length) {
          out.add("shares.svg", chart({
            title: `Live ${backendName}: CPU share, reserved against measured`,
            x: { label: "reserved share (slice / period)", domain: [0, 0.6] },
            y: { label: "measured share", domain: [0, 0.6] },
            series: [
              { name: "x = y", points: [[0, 0], [0.6, 0.6]] },
              { name: "processes", points: reservedRows.map((r) => [r.expected_share, r.measured_share] as [number, number]), kind: "scatter" },
            ],
          }));
        }
        out.add("summary.json", JSON.stringify(summary, null, 2) + "\n");
        return out;
      },
    };
  } finally {
    cleanup();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}
