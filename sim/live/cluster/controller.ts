/**
 * `virtuoso live --cluster CLUSTER.json SCENARIO`: the controller. The scenario's hosts are
 * the cluster's hosts; each host's agent runs that host's VMs (as processes: BSP ranks) and
 * overlay. The controller holds remote stubs of the ports (NetControl, TrafficTap) and runs
 * the same policy objects as the simulator on them: the VNET star through the scenario's Proxy
 * first, then the scenario's overlay links and rules, and VTTIF on the hosts' counters.
 *
 * VTTIF's daemon reports are real messages: each host's rows come back from its agent as a
 * reply, fetched half an interval before VTTIF's update reads them (the port is synchronous),
 * and VTTIF counts their bytes as the simulator does (a header plus one entry per row); the
 * size of the rows' JSON in the replies is reported beside them.
 *
 * Wren watches the application's own messages: each rank stamps a message with when its
 * sender began writing it, and the receiver notes when its last byte came in, so a sample is
 * exactly what the simulator hands Wren (start of sending, end of delivery, bytes), from the
 * messages the ranks exchange anyway and nothing else. (Counters at the ports, the other
 * passive source, show bytes per interval but not where a transfer starts and ends; TCP_INFO
 * is not reachable from Node without a native addon.) The receiving hosts' agents hand
 * them over every export interval; the same Wren class ages and windows them. A QEMU guest's
 * rank stamps in its guest's clock, which its host relates to its own (vm/guestclock.ts).
 *
 * VRESERVE runs unchanged on VTTIF, Wren and the remote NetControl; its Lightpaths port asks
 * both hosts' agents, once the setup delay has passed, to bring up the lightpath the cluster
 * file gives them (on the testbed a second, faster veth pair, dark until then), and the
 * tunnel between the two hosts runs over it from then on.
 *
 * VADAPT's loop runs unchanged too: its overlay links and forwarding rules are applied through
 * the agents. With `live.vms: "qemu"` the VMs are QEMU VMs on their hosts (the ranks run in
 * the guests) and migrate between hosts: the destination's agent starts a QEMU waiting for the
 * VM, the source's sends it over TLS (certificates from the cluster's CA at both ends), and
 * once it runs at the destination the overlay rules follow it (see RemoteNet.moved). The
 * loop's "migrate" mode and `live.migrations` run so; with VMs as processes,
 * which cannot move, they are refused before the run. Decisions are logged as in the
 * simulator (`adapt.decisions.csv`), migrations with QEMU's own figures (`migrations.csv`).
 *
 * VSched reservations on QEMU VMs go through the agents (reservations.ts): SCHED_DEADLINE on
 * the VM's vCPU thread, admitted against its host's bound, and they follow a migrated VM (the
 * destination admits it before the migration starts, or the migration does not start).
 */
import { randomBytes } from "node:crypto";
import { recordsToRows, toCsv } from "../../../analysis/csv.js";
import { OutputDir } from "../../../analysis/output.js";
import { Rng } from "../../kernel/index.js";
import type { Clock, CpuControl, Lightpaths, NetControl, Placement, TrafficSample, TrafficTap, TransferObservation, TransferSource } from "../../ports/index.js";
import { VReserve, type LightpathEvent } from "../../control/vreserve.js";
import { AdaptLoop } from "../../control/adapt.js";
import { Wren } from "../../wren/index.js";
import type { Scenario } from "../../scenario/index.js";
import { expandedHosts } from "../../scenario/invariants.js";
import { Vttif } from "../../vttif/vttif.js";
import { RateController, type ControlRecord } from "../../control/index.js";
import { controlFigure } from "../../runner/figures.js";
import { liveProblems } from "../refuse.js";
import { WallClock } from "../wallclock.js";
import type { LiveResult } from "../run.js";
import { AgentClient, AgentError } from "../agent/client.js";
import type { Args, WrenReading } from "../agent/protocol.js";
import type { Cluster } from "./file.js";
import { Mover } from "./mover.js";
import { RemoteReservations } from "./reservations.js";

/** What `live --cluster` cannot run, as `path: reason` lines (beside what live mode refuses anyway). */
export function clusterProblems(s: Scenario, c: Cluster): string[] {
  // Wren runs across hosts; the rest of what live mode refuses it refuses here too.
  const out = liveProblems(s).filter((p) => !p.startsWith("policies.wren.") && !p.startsWith("policies.vreserve.") && !p.startsWith("policies.adapt:"));
  const p = s.policies;
  const qemu = s.live?.vms === "qemu";
  const migrates = (s.live?.migrations.length ?? 0) > 0 || (p.adapt?.enabled && p.adapt.mode !== "overlay");
  if (p.adapt?.enabled) {
    if (!(p.vttif.enabled && p.wren.enabled)) out.push("policies.adapt.enabled: VADAPT needs policies.vttif and policies.wren enabled");
    if (p.adapt.mode !== "overlay" && !qemu) out.push('policies.adapt.mode: live.vms "process" runs VMs as processes, which cannot migrate; set "overlay" (links and rules are applied live) or live.vms "qemu"');
    if (p.adapt.maxHops > 1) out.push("policies.adapt.maxHops: live --cluster sets rules only where the sender's frames enter the overlay, so routes are direct; set 1");
    if (p.adapt.availability) out.push("policies.adapt.availability: live --cluster has no host load sensor for VADAPT yet; remove it (VMs cannot migrate there anyway)");
  }
  if (p.vreserve.enabled && !(p.vttif.enabled && p.wren.enabled)) out.push("policies.vreserve.enabled: VRESERVE needs policies.vttif and policies.wren enabled");
  const known = new Set(c.hosts.map((h) => h.id));
  for (const [h, info] of expandedHosts(s)) if (!known.has(h)) out.push(`${info.path}.id: host "${h}" is not in cluster ${c.name} (${[...known].join(", ")})`);
  if (qemu && migrates) c.hosts.forEach((h, i) => {
    if (!h.qemu) out.push(`cluster.hosts.${i}.qemu: VMs migrate across hosts over TLS with QEMU's credentials, which cluster ${c.name} does not name for "${h.id}" (made by cluster init)`);
  });
  s.workloads.forEach((w, i) => {
    if (w.kind !== "bsp") out.push(`workloads.${i}.kind: live --cluster runs bsp workloads only so far, not "${w.kind}"`);
  });
  if (s.policies.vsched.reservations.length && !qemu) out.push('policies.vsched.reservations: live --cluster reserves CPU only for QEMU VMs (their vCPU threads, through the hosts\' agents), not for VMs as processes; set live.vms "qemu" or remove them');
  if ((s.policies.vsched.reservations.length || p.control) && qemu && s.live?.backend && s.live.backend !== "deadline") out.push(`live.backend: live --cluster reserves CPU with SCHED_DEADLINE ("deadline") only, not "${s.live.backend}"`);
  if (s.actions?.length) out.push("actions: live --cluster does not run steering actions (reservations, presses, UUCS testcases) yet; remove them");
  const o = s.platform.overlay;
  if (!o.enabled) out.push("platform.overlay.enabled: live --cluster runs the VNET overlay; set it to true");
  else if (o.mode === "star" && !o.proxy) out.push('platform.overlay.proxy: the star needs a Proxy host');
  else if (o.mode === "direct") out.push('platform.overlay.mode: live --cluster builds the star ("star") so far');
  if (s.vms.length > 250) out.push(`vms: live --cluster runs at most 250 VMs, not ${s.vms.length}`);
  return out;
}

export interface ClusterRunOptions {
  /** Called once every agent has begun the run and every rank runs. */
  onStarted?: () => void;
  log?: (line: string) => void;
}

export async function runLiveCluster(s: Scenario, cluster: Cluster, opts: ClusterRunOptions = {}): Promise<LiveResult> {
  const log = opts.log ?? (() => {});
  const runId = `run-${randomBytes(6).toString("hex")}`;
  const hosts = [...expandedHosts(s).keys()];
  const creds = AgentClient.credentials(cluster);
  const agents = new Map<string, AgentClient>();
  const failures: string[] = [];
  // A port call is fire-and-forget for the policy (ports are synchronous); a failure ends the run.
  const fire = (p: Promise<unknown>) => void p.catch((e) => failures.push((e as Error).message));
  let heartbeat: NodeJS.Timeout | undefined;
  let running: WallClock | undefined;
  const end = async () => {
    // Nothing of the run keeps the process alive once it ends, however it ends.
    running?.stop();
    if (heartbeat) clearInterval(heartbeat);
    await Promise.allSettled([...agents.values()].map((a) => a.call("end", {})));
    for (const a of agents.values()) a.close();
  };
  const onSignal = (sig: NodeJS.Signals) => void end().then(() => process.exit(sig === "SIGINT" ? 130 : 143));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    for (const h of hosts) agents.set(h, await AgentClient.connect(cluster.host(h), creds, runId));
    const vms = s.vms.map((v, i) => ({ id: v.id, index: i + 1, host: v.host }));
    // Each host's admission bound, as single-host live mode takes it (uMax - overheadReserve, at most 0.95).
    const bound = new Map<string, number>();
    for (const h of s.platform.hosts) for (const id of h.count === undefined ? [h.id] : Array.from({ length: h.count }, (_, k) => `${h.id}${k}`)) bound.set(id, Math.min(0.95, h.uMax - h.overheadReserve));
    await Promise.all([...agents].map(([h, a]) => a.call("begin", { vms, uMax: bound.get(h) ?? 0.95 })));
    heartbeat = setInterval(() => {
      for (const a of agents.values()) fire(a.call("heartbeat", {}));
    }, 1000);
    const net = new RemoteNet(agents, fire, s);
    // The first generation's star: every host's daemon linked to the Proxy's.
    const proxy = s.platform.overlay.proxy!;
    await Promise.all(hosts.filter((h) => h !== proxy).flatMap((h) => (net.linked(h, proxy), [agents.get(h)!.call("link.add", { peer: proxy, flood: true }), agents.get(proxy)!.call("link.add", { peer: h, flood: true })])));
    for (const l of s.platform.overlay.links) net.addOverlayLink(l.a, l.b);
    for (const r of s.platform.overlay.rules) net.setRule(r.at, r.src, r.dst, r.next);
    const where = new Map(s.vms.map((v) => [v.id, v.host]));
    const bsps = s.workloads.flatMap((w) => (w.kind === "bsp" ? [w] : []));
    // What each rank's VM is started with: on its host, and again at each migration's destination.
    const qemu = s.live?.vms === "qemu";
    const memory = new Map(s.vms.map((v) => [v.id, v.memory]));
    const startArgs = new Map<string, Args<"vm.start">>();
    for (const w of bsps) for (const vm of w.vms) {
      const v = s.vms.find((x) => x.id === vm)!;
      startArgs.set(vm, {
        vm,
        ranks: w.vms,
        sequence: w.sequence ?? [{ pattern: w.pattern, supersteps: 1 }],
        messageBytes: w.messageBytes,
        computeOps: w.computeOps,
        supersteps: w.sequence ? w.supersteps * w.sequence.reduce((k, x) => k + x.supersteps, 0) : w.supersteps,
        stamp: s.policies.wren.enabled,
        ...(qemu ? { qemu: { memoryMb: Math.round(v.memory / 2 ** 20), vcpus: v.vcpus, bootTimeout: s.live!.bootTimeout } } : {}),
      });
    }
    await Promise.all([...startArgs.values()].map((a) => agents.get(where.get(a.vm)!)!.call("vm.start", a)));
    if (failures.length) throw new AgentError(failures.join("; "));
    // QEMU guests boot meanwhile: each agent answers once its ranks have connected and started.
    await Promise.all([...agents.values()].map((a) => a.call("vm.go", {})));
    const clock = new WallClock();
    running = clock;
    log(`run ${runId}: ${s.vms.length} VMs on ${hosts.length} hosts, star through ${proxy}`);
    opts.onStarted?.();
    const tap = new RemoteTap(hosts, agents, fire);
    let vttif: Vttif | undefined;
    if (s.policies.vttif.enabled) {
      clock.every(s.policies.vttif.interval, () => fire(tap.fetch()), s.policies.vttif.interval / 2);
      // The aggregator is the Proxy's daemon; the rows have travelled already when it reads them.
      vttif = new Vttif(clock, tap, { send: (_a, _b, _n, done) => done() }, { ...s.policies.vttif, aggregator: proxy, apps: bsps.map((w) => ({ id: w.id, vms: w.vms })) });
    }
    const wrenSpec = s.policies.wren;
    let wren: Wren | undefined;
    const estimates: { t: number; src: string; dst: string; bandwidth: number; latency: number; samples: number; age: number }[] = [];
    const transfers = new RemoteTransfers(hosts, agents, clock, where);
    if (wrenSpec.enabled) {
      // No simulated noise: live samples carry the real kind.
      wren = new Wren(clock, transfers, new Rng("wren.noise", s.seed), { ...wrenSpec, noise: 0 });
      // Fetched half an interval before each export, as VTTIF's rows are.
      clock.every(wrenSpec.exportInterval, () => fire(transfers.fetch()), wrenSpec.exportInterval / 2);
      clock.every(wrenSpec.exportInterval, () => {
        for (const e of wren!.table()) estimates.push({ t: clock.now, ...e });
      });
    }
    let vreserve: VReserve | undefined;
    // VSched reservations on the QEMU VMs' vCPU threads, through their hosts' agents; they follow migrations (Mover).
    const cpu = new RemoteReservations(clock, agents, where, log);
    for (const r of s.policies.vsched.reservations) clock.at(r.at, () => fire(cpu.reserve(r.vm, { period: r.period, slice: r.slice })));
    const mover = new Mover(clock, agents, where, startArgs, net, s, log, cpu);
    transfers.unsettled = (vm, from, to) => mover.unsettled(vm, from, to);
    transfers.moving = () => mover.movingNow();
    const placement: Placement = {
      where: (vm) => where.get(vm)!,
      memory: (vm) => memory.get(vm) ?? 0,
      migrate: (vm, host, onDone) => (qemu ? fire(mover.migrate(vm, host, onDone)) : failures.push(`live --cluster cannot migrate ${vm}: VMs are processes`)),
    };
    for (const m of s.live?.migrations ?? []) clock.at(m.at, () => placement.migrate(m.vm, m.to));
    if (s.policies.vreserve.enabled && vttif && wren) {
      vreserve = new VReserve({ clock, vttif, wren, net, placement, lightpaths: new RemoteLightpaths(clock, agents, cluster, s.policies.vreserve.setupDelay, fire, log) }, s.policies.vreserve);
      vreserve.onEvent((e) => log(`vreserve: ${e.event} lightpath ${e.a}-${e.b} at ${e.t.toFixed(2)} s (demand ${Math.round(e.demand)} B/s, path ${Math.round(e.pathBandwidth)} B/s)`));
    }
    const steps = new Map(bsps.map((w) => [w.id, 0]));
    // The global rate controller, unchanged, on the polled supersteps; its reservations go to
    // the agents of the hosts the VMs run on, admitted at once against each host's bound.
    const control = s.policies.control;
    const records: ControlRecord[] = [];
    if (control && control.apps.length) {
      const rates: CpuControl = {
        reserve: (vm, r) => cpu.reserveNow(vm, r, bound.get(where.get(vm)!) ?? 0.95, fire),
        release: (vm) => fire(cpu.release(vm)),
        usage: () => NaN,
        progress: (app) => steps.get(app),
      };
      const apps = control.apps.map((a) => ({ app: a.app, vms: bsps.find((w) => w.id === a.app)!.vms, dedicatedRate: a.dedicatedRate, targets: a.targets }));
      new RateController(clock, rates, apps, control).onRecord((r) => records.push(r));
    }
    let adapt: AdaptLoop | undefined;
    const spec = s.policies.adapt;
    if (spec?.enabled && vttif && wren) {
      const cpu = {
        reserve: () => ({ admitted: false as const, reason: "live --cluster does not reserve CPU" }),
        release: () => {},
        usage: () => NaN,
        progress: (app: string) => steps.get(app),
      };
      const w = bsps.find((x) => x.id === spec.app);
      const work = w ? (w.sequence ? w.supersteps * w.sequence.reduce((k, x) => k + x.supersteps, 0) : w.supersteps) : undefined;
      adapt = new AdaptLoop({ clock, placement, net, cpu, vttif, wren, rng: new Rng("adapt", s.seed), proxy, work }, spec);
      const seen = { n: 0 };
      clock.every(0.5, () => {
        for (; seen.n < adapt!.decisions.length; seen.n++) {
          const d = adapt!.decisions[seen.n];
          log(`adapt: ${d.t.toFixed(2)} s ${d.algorithm} ${d.reason} (objective ${d.current.toPrecision(4)} -> ${d.proposed.toPrecision(4)}, ${d.routes} routes)`);
        }
      });
    }
    /** Supersteps done, as polled: the run's rate over any stretch of it. */
    const progress: { t: number; app: string; supersteps: number }[] = [];
    const total = new Map(bsps.map((w) => [w.id, w.sequence ? w.supersteps * w.sequence.reduce((k, x) => k + x.supersteps, 0) : w.supersteps]));
    /** When each application was first seen done (progress is polled every 0.5 s: up to that late). */
    const finished = new Map<string, number>();
    clock.every(0.5, () => {
      const t = clock.now;
      // The first rank's count, as its host reports it; a migration's destination reports
      // nothing until the guest's first superstep there, so the furthest count seen stands.
      for (const w of bsps) fire(agents.get(where.get(w.vms[0])!)!.call("vm.progress", {}).then((p: Record<string, number>) => {
        steps.set(w.id, Math.max(steps.get(w.id)!, p[w.vms[0]] ?? 0));
        progress.push({ t, app: w.id, supersteps: steps.get(w.id)! });
        if (steps.get(w.id)! >= total.get(w.id)! && !finished.has(w.id)) finished.set(w.id, clock.now);
      }));
    });
    await new Promise<void>((resolve, reject) => {
      // The whole duration, as a simulated run (rates are supersteps over it in both).
      clock.at(s.duration, resolve);
      clock.every(0.2, () => failures.length && reject(new AgentError(failures.join("; "))));
    });
    const wall = clock.now;
    clock.stop();
    // The last counts, transfers and supersteps, at the end.
    await tap.fetch();
    if (wren) await transfers.fetch();
    await mover.settled();
    await Promise.all(bsps.map((w) => agents.get(where.get(w.vms[0])!)!.call("vm.progress", {}).then((p: Record<string, number>) => steps.set(w.id, Math.max(steps.get(w.id)!, p[w.vms[0]] ?? 0)))));
    const controlled = new Map<string, ControlRecord[]>();
    for (const r of records) controlled.set(r.app, [...(controlled.get(r.app) ?? []), r]);
    const traffic = [...tap.totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, bytes]) => ({ src: k.split(">")[0], dst: k.split(">")[1], bytes }));
    const reports = vttif?.reports.map((r) => ({ t: r.t, app: r.app, topology: r.topology, confidence: r.confidence })) ?? [];
    const summary = {
      scenario: s.name,
      mode: "cluster",
      // No CPU mechanism across hosts yet; a live run's summary names one (compare tells live from simulated by it).
      backend: cpu.log.length ? "deadline" : "none",
      cluster: cluster.name,
      run: runId,
      wall_s: Math.round(wall * 1000) / 1000,
      metrics: {
        ...Object.fromEntries([...steps].map(([app, k]) => [app, { supersteps: k, rate: k / wall, finished: finished.has(app), ...(finished.has(app) ? { runtime_s: finished.get(app)! } : {}) }])),
        ...(adapt ? { adapt: Object.fromEntries(Object.entries(adapt.metrics()).map(([k, v]) => [k, Number.isFinite(v) ? v : null])) } : {}),
        ...(vreserve ? { vreserve: { requested: vreserve.log.filter((e) => e.event === "requested").length, ready: vreserve.log.filter((e) => e.event === "ready").length, events: vreserve.log.map((e) => `${e.t.toFixed(2)}:${e.event}:${e.a}-${e.b}`).join(" ") } } : {}),
        ...(wren ? { wren: { observed: wren.observed, pairs: wren.table().length, paths: wren.table().map((e) => ({ src: e.src, dst: e.dst, bandwidth: e.bandwidth, latency: Number.isFinite(e.latency) ? e.latency : null, samples: e.samples })) } } : {}),
        ...(mover.log.length ? { migrations: mover.summary() } : {}),
        ...(cpu.log.length ? { reservations: cpu.summary() } : {}),
        // The simulator's control metrics: the last record's target, utilization and period, the mean rate of the last three.
        ...(controlled.size ? { control: Object.fromEntries([...controlled].flatMap(([app, h]) => {
          const last = h.slice(-3), end = h[h.length - 1];
          return [[`${app}.target`, end.target], [`${app}.rate`, last.reduce((x, r) => x + r.rate, 0) / last.length], [`${app}.utilization`, end.utilization], [`${app}.period`, end.period], [`${app}.reachable`, end.reachable]];
        })) } : {}),
        ...(vttif ? { vttif: { reports: reports.length, topology: vttif.current?.topology ?? "none", history: reports.map((r) => `${r.t.toFixed(1)}:${r.topology}`).join(" "), control_bytes: vttif.controlBytes, wire_bytes: tap.wireBytes } } : {}),
      },
    };
    return {
      summary,
      stage(dir) {
        const out = new OutputDir(dir);
        out.add("scenario.json", JSON.stringify(s, null, 2) + "\n");
        out.add("traffic.csv", toCsv(recordsToRows(traffic, ["src", "dst", "bytes"])));
        if (vttif) out.add("vttif.reports.csv", toCsv(recordsToRows(reports, ["t", "app", "topology", "confidence"])));
        if (adapt) out.add("adapt.decisions.csv", toCsv(recordsToRows(adapt.decisions.map((d) => ({ t: d.t, algorithm: d.algorithm, current: d.current, proposed: d.proposed, gain: d.gain, cost: d.cost, applied: d.applied ? 1 : 0, migrations: d.migrations, routes: d.routes, reason: d.reason, remaining_s: d.remaining, migration_s: d.migrationTime, rate_before: d.rateBefore, rate_after: d.rateAfter })), ["t", "algorithm", "current", "proposed", "gain", "cost", "applied", "migrations", "routes", "reason", "remaining_s", "migration_s", "rate_before", "rate_after"])));
        if (mover.log.length) out.add("migrations.csv", toCsv(recordsToRows(mover.log, ["vm", "from", "to", "start", "end", "status", "total_s", "downtime_s", "setup_s", "bytes", "rounds", "reason"])));
        if (records.length) out.add("control.svg", controlFigure(controlled, s, "Live global rate control across a cluster's QEMU VMs: rate, target and utilization", "wall time (s)"));
        if (records.length) out.add("control.csv", toCsv(recordsToRows(records.map((r) => ({ ...r, reachable: r.reachable ? 1 : 0 })), ["t", "app", "target", "rate", "utilization", "period", "reachable", "note"])));
        if (cpu.log.length) out.add("reservations.csv", toCsv(recordsToRows(cpu.log, ["t", "vm", "host", "period", "slice", "event", "reason"])));
        out.add("progress.csv", toCsv(recordsToRows(progress, ["t", "app", "supersteps"])));
        if (vreserve) out.add("vreserve.lightpaths.csv", toCsv(recordsToRows(vreserve.log as (LightpathEvent & Record<string, unknown>)[], ["t", "a", "b", "event", "demand", "pathBandwidth"])));
        if (wren) out.add("wren.estimates.csv", toCsv(recordsToRows(estimates, ["t", "src", "dst", "bandwidth", "latency", "samples", "age"])));
        out.add("summary.json", JSON.stringify(summary, null, 2) + "\n");
        return out;
      },
    };
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await end();
  }
}

/** NetControl over the agents: links are tunnels at both ends; a rule acts at its daemon. */
export class RemoteNet implements NetControl {
  /** Overlay links ("a|b", both orders) and rules ("at|src>dst" -> next) in force, so they can follow a migrated VM. */
  private readonly links = new Set<string>();
  private readonly rules = new Map<string, string>();

  constructor(private readonly agents: Map<string, AgentClient>, private readonly fire: (p: Promise<unknown>) => void, private readonly s: Scenario) {}

  /** Notes a link made outside addOverlayLink (the star's). */
  linked(a: string, b: string): void {
    this.links.add(`${a}|${b}`).add(`${b}|${a}`);
  }

  /**
   * A VM now runs on `to`, not `from`: its own rules (they act where its frames enter the
   * overlay) move from `from` to `to`, where a link to their next hop exists; rules elsewhere
   * that sent its frames to `from` send them to `to` where a link to it exists, and are dropped
   * where none does (the star delivers them) or where they now stand at the VM's own host.
   */
  moved(vm: string, from: string, to: string): void {
    for (const [k, next] of [...this.rules]) {
      const [at, pair] = k.split("|");
      const [src, dst] = pair.split(">");
      if (src === vm && at === from) {
        // The source's port and its chains are gone already.
        this.rules.delete(k);
        if (next !== to && this.links.has(`${to}|${next}`)) this.setRule(to, src, dst, next);
      } else if (dst === vm && next === from && src !== vm) {
        this.setRule(at, src, dst, at !== to && this.links.has(`${at}|${to}`) ? to : undefined);
      }
    }
  }

  /** The path as the scenario's platform gives it (a policy falls back on it only where Wren has no estimate). */
  measure(a: string, b: string): { bandwidth: number; latency: number } {
    const t = this.s.platform.network?.topology;
    if (t?.kind === "two-sites") {
      const A = new Set(t.siteA);
      if (A.has(a) !== A.has(b)) return { bandwidth: Math.min(t.wan.bandwidth, t.lan.bandwidth), latency: t.wan.latency + 2 * t.lan.latency };
      return { bandwidth: t.lan.bandwidth, latency: 2 * t.lan.latency };
    }
    return t?.kind === "switch" ? { bandwidth: t.bandwidth, latency: 2 * t.latency } : { bandwidth: 125e6, latency: 1e-4 };
  }

  addOverlayLink(a: string, b: string): void {
    this.linked(a, b);
    this.fire(this.agents.get(a)!.call("link.add", { peer: b, flood: false }));
    this.fire(this.agents.get(b)!.call("link.add", { peer: a, flood: false }));
  }

  removeOverlayLink(a: string, b: string): void {
    this.links.delete(`${a}|${b}`);
    this.links.delete(`${b}|${a}`);
    for (const [k, next] of [...this.rules]) if ((k.startsWith(`${a}|`) && next === b) || (k.startsWith(`${b}|`) && next === a)) this.rules.delete(k);
    this.fire(this.agents.get(a)!.call("link.remove", { peer: b }));
    this.fire(this.agents.get(b)!.call("link.remove", { peer: a }));
  }

  setRule(at: string, src: string, dst: string, next: string | undefined): void {
    if (next === undefined) this.rules.delete(`${at}|${src}>${dst}`);
    else this.rules.set(`${at}|${src}>${dst}`, next);
    this.fire(this.agents.get(at)!.call("rule.set", { src, dst, next: next ?? null }));
  }
}

/** TrafficTap over the agents: rows fetched ahead, handed to VTTIF when it reads. */
class RemoteTap implements TrafficTap {
  private rows = new Map<string, TrafficSample[]>();
  wireBytes = 0;

  constructor(private readonly names: string[], private readonly agents: Map<string, AgentClient>, private readonly fire: (p: Promise<unknown>) => void) {}

  hosts(): string[] {
    return this.names;
  }

  /** Bytes per "src>dst" over the whole run, as the hosts counted them. */
  readonly totals = new Map<string, number>();

  fetch(): Promise<unknown> {
    return Promise.all(this.names.map((h) => this.agents.get(h)!.call("tap.read", {}).then((rows: TrafficSample[]) => {
      this.wireBytes += JSON.stringify(rows).length;
      this.rows.set(h, [...(this.rows.get(h) ?? []), ...rows]);
      for (const r of rows) this.totals.set(`${r.src}>${r.dst}`, (this.totals.get(`${r.src}>${r.dst}`) ?? 0) + r.bytes);
    })));
  }

  read(host: string): TrafficSample[] {
    const r = this.rows.get(host) ?? [];
    this.rows.delete(host);
    return r;
  }
}

/**
 * Wren's TransferSource over the agents: each receiving host's messages, on the controller's
 * clock. A QEMU guest's message comes in its guests' clocks (the start in its sender's, the end
 * in its receiver's), and is put on the host's clock with each guest's offset as the guest's
 * current host reports it (guestclock.ts); a message either end of which was migrating, or
 * had migrated within a second, is left out, since a migrated guest's clock jumps.
 */
class RemoteTransfers implements TransferSource {
  private readonly fns: ((o: TransferObservation) => void)[] = [];
  /** Epoch seconds at the clock's zero: the ranks stamp with their hosts' wall clocks. */
  private readonly zero: number;
  /** Whether a VM migrated in an interval of the controller's clock, and which migrate now (set once the Mover exists). */
  unsettled: (vm: string, from: number, to: number) => boolean = () => false;
  moving: () => ReadonlySet<string> = () => new Set();

  constructor(private readonly names: string[], private readonly agents: Map<string, AgentClient>, clock: WallClock, private readonly where: ReadonlyMap<string, string>) {
    this.zero = (performance.timeOrigin + performance.now()) / 1000 - clock.now;
  }

  observe(fn: (o: TransferObservation) => void): void {
    this.fns.push(fn);
  }

  async fetch(): Promise<void> {
    // A VM migrating while the hosts answer may have left one host's clock for another's.
    const was = new Set(this.moving());
    const got = await Promise.all(this.names.map((h) => this.agents.get(h)!.call("wren.read", {}) as Promise<WrenReading>));
    // A guest's clock as the host it runs on sees it.
    const clocks = new Map<string, number>();
    got.forEach((r, i) => Object.entries(r.clocks).forEach(([vm, o]) => this.where.get(vm) === this.names[i] && clocks.set(vm, o)));
    const guest = got.flatMap((r) => r.guest).flatMap((m): TransferObservation[] => {
      const a = clocks.get(m.srcVm), b = clocks.get(m.dstVm);
      if (a === undefined || b === undefined) return [];
      const start = m.start + a - this.zero, end = m.end + b - this.zero;
      if (!(end > start) || was.has(m.srcVm) || was.has(m.dstVm) || this.unsettled(m.srcVm, start, end) || this.unsettled(m.dstVm, start, end)) return [];
      return [{ srcVm: m.srcVm, dstVm: m.dstVm, srcHost: this.where.get(m.srcVm)!, dstHost: this.where.get(m.dstVm)!, bytes: m.bytes, start, end, latency: NaN }];
    });
    // In the order they completed, as the simulator hands them over.
    const all = [...got.flatMap((r) => r.transfers).map((o) => ({ ...o, start: o.start - this.zero, end: o.end - this.zero, latency: NaN })), ...guest].sort((a, b) => a.end - b.end);
    for (const o of all) for (const fn of this.fns) fn(o);
  }
}

/** Lightpaths on the cluster's stand-ins: both ends brought up once the setup delay has passed. */
class RemoteLightpaths implements Lightpaths {
  constructor(
    private readonly clock: Clock,
    private readonly agents: Map<string, AgentClient>,
    private readonly cluster: Cluster,
    private readonly setupDelay: number,
    private readonly fire: (p: Promise<unknown>) => void,
    private readonly log: (line: string) => void,
  ) {}

  request(a: string, b: string, onReady: () => void): void {
    // A pair the cluster has no lightpath for is never ready, as a provider that cannot serve it.
    if (!this.cluster.host(a).lightpaths?.some((l) => l.peer === b)) return this.log(`vreserve: cluster ${this.cluster.name} has no lightpath between ${a} and ${b}`);
    this.clock.after(this.setupDelay, () => this.fire(Promise.all([this.agents.get(a)!.call("lightpath.up", { peer: b }), this.agents.get(b)!.call("lightpath.up", { peer: a })]).then(onReady)));
  }
}
