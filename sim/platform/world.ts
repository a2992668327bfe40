/**
 * The simulated platform a scenario describes: hosts with their CPU schedulers, VMs, the
 * physical network with its flows, the VNET overlay, and live migration.
 */
import type { Simulation } from "../kernel/index.js";
import type { Scenario } from "../scenario/index.js";
import { ExternalLoad, FairShare, Host, loadProfile, type CpuScheduler } from "./host/index.js";
import { migrate, type MigrationReport } from "./migration/index.js";
import { buildTopology, FlowNetwork, Router, sharingModel, Topology } from "./network/index.js";
import { Vnet, type Message } from "./overlay/index.js";
import { Vm } from "./vm/index.js";

export type SchedulerFactory = (host: Scenario["platform"]["hosts"][number]) => CpuScheduler;

export interface WorldOptions {
  /** Folder that relative paths in the scenario (load traces) are read from. */
  baseDir?: string;
  /** CPU schedulers other than the built-in fair share, by scenario name. */
  schedulers?: Record<string, SchedulerFactory>;
}

export class World {
  readonly topo = new Topology();
  readonly router: Router;
  readonly net: FlowNetwork;
  readonly hosts = new Map<string, Host>();
  readonly vms = new Map<string, Vm>();
  readonly vnet: Vnet;
  readonly migrations: MigrationReport[] = [];
  readonly externalLoads: ExternalLoad[] = [];
  /** Progress reporters of applications, by workload id (CpuControl.progress). */
  readonly progress = new Map<string, () => number>();

  constructor(readonly sim: Simulation, readonly scenario: Scenario, opts: WorldOptions = {}) {
    const p = scenario.platform;
    const hostNames = p.hosts.map((h) => h.id);
    for (const h of hostNames) this.topo.addNode(h, "host");
    const provider = buildTopology(this.topo, hostNames, p.network.topology, sim.rng("platform.topology"), opts.baseDir);
    this.router = new Router(this.topo, p.network.routing);
    if (provider) this.router.provider = provider;
    for (const r of p.network.routes) this.router.setStatic(this.topo.node(r.from), this.topo.node(r.to), r.via.map((v) => this.topo.node(v)));
    const trace = p.network.traceFlows
      ? sim.trace.table("flows", { id: "i32", tag: "str", src: "str", dst: "str", bytes: "f64", start: "f64", end: "f64" })
      : undefined;
    const { tcpWindow, ...model } = sharingModel(p.network);
    this.net = new FlowNetwork(sim, this.topo, this.router, { tcpWindow, model, localBandwidth: p.network.localBandwidth, trace });

    for (const spec of p.hosts) {
      const make = spec.scheduler === "fair" ? () => new FairShare() : opts.schedulers?.[spec.scheduler];
      if (!make) throw new Error(`host ${spec.id}: no CPU scheduler "${spec.scheduler}"`);
      const host = new Host(sim, spec.id, this.topo.node(spec.id), spec, make(spec));
      this.hosts.set(spec.id, host);
      if (spec.externalLoad) {
        const load = new ExternalLoad(host, loadProfile(spec.externalLoad, opts.baseDir, { rng: () => sim.rng(`${spec.id}.load`), until: scenario.duration }));
        host.add(load);
        this.externalLoads.push(load);
      }
    }
    for (const v of scenario.vms) this.vms.set(v.id, new Vm(sim, v.id, this.host(v.host), v.vcpus, v.memory, v.dirtyRate, { wallDirtyRate: v.wallDirtyRate, workingSet: v.workingSet, touched: v.touched }));

    const o = p.overlay;
    const ssl = { latency: o.ssl.latency, bandwidth: o.ssl.bandwidth ?? Infinity };
    this.vnet = new Vnet(sim, this.net, [...this.hosts.values()], { ...o, daemonBandwidth: o.daemonBandwidth ?? Infinity, ssl });
    for (const l of o.links) this.vnet.addLink(this.host(l.a), this.host(l.b), l.ssl);
    for (const r of o.rules) this.vnet.setRule(this.host(r.at), r.src, r.dst, this.host(r.next));
  }

  host(id: string): Host {
    const h = this.hosts.get(id);
    if (!h) throw new Error(`no host "${id}"`);
    return h;
  }

  vm(id: string): Vm {
    const v = this.vms.get(id);
    if (!v) throw new Error(`no VM "${id}"`);
    return v;
  }

  /** A message between VMs, through the overlay when it is enabled. */
  send(src: Vm, dst: Vm, bytes: number, onDone?: (m: Message) => void): Message {
    return this.vnet.send(src, dst, bytes, onDone);
  }

  migrate(vm: Vm, to: Host, onDone?: (r: MigrationReport) => void): void {
    migrate(this.sim, this.net, this.scenario.platform.migration, vm, to, (r) => {
      this.migrations.push(r);
      onDone?.(r);
    });
  }

  /** Per directional link (and daemon): capacity, bytes carried, mean utilization. */
  linkStats(): { resource: string; capacity: number; bytes: number; utilization: number }[] {
    this.net.settleAll();
    const t = this.sim.now;
    return this.topo.resourceNames.map((name, r) => ({
      resource: name,
      capacity: this.topo.capacity[r],
      bytes: this.net.carried[r] ?? 0,
      utilization: t > 0 ? (this.net.carried[r] ?? 0) / (this.topo.capacity[r] * t) : 0,
    }));
  }
}
