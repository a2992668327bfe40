/**
 * Bad scenarios, one broken thing each, grouped by class. Each names the path its problem
 * line must start with. Bases are small valid scenarios covering the platform, the overlay,
 * every policy and an experiment; a case is a base with one mutation, or raw file text.
 */
type Doc = any;

export interface BadCase {
  name: string;
  /** The scenario document, or raw text for cases broken below the JSON level. */
  doc?: Doc;
  text?: string;
  /** Extra files beside the scenario (trace files). */
  files?: Record<string, string>;
  /** The problem line starts with this path (or file name placeholder FILE). */
  path: string;
}

/** Two sites, the VNET star, VTTIF, Wren, the adaptation loop and VRESERVE, a BSP application. */
export const wan = (): Doc => ({
  name: "wan",
  duration: 60,
  platform: {
    hosts: [{ id: "a", count: 2 }, { id: "b", count: 2 }, { id: "proxy" }],
    network: { topology: { kind: "two-sites", siteA: ["a0", "a1", "proxy"], lan: { bandwidth: 1.25e8, latency: 5e-5 }, wan: { bandwidth: 1e7, latency: 0.02 } } },
    overlay: { enabled: true, proxy: "proxy" },
  },
  vms: [{ id: "v0", host: "a0" }, { id: "v1", host: "b0" }, { id: "v2", host: "a1" }, { id: "v3", host: "b1" }],
  workloads: [{ kind: "bsp", id: "app", vms: ["v0", "v1", "v2", "v3"], pattern: "ring", messageBytes: 1e5, computeOps: 1e8, supersteps: 20 }],
  policies: {
    vttif: { enabled: true },
    wren: { enabled: true },
    adapt: { enabled: true, app: "app", vms: ["v0", "v1", "v2", "v3"], hosts: ["a0", "a1", "b0", "b1"], firstAt: 5, interval: 10 },
    vreserve: { enabled: true },
  },
});

/** VSched hosts with reservations, the rate controller, batch work and external load. */
export const rt = (): Doc => ({
  name: "rt",
  duration: 10,
  platform: { hosts: [{ id: "n", count: 2, scheduler: "vsched", externalLoad: { kind: "constant", level: 0.1 } }, { id: "f" }] },
  vms: [{ id: "r0", host: "n0" }, { id: "r1", host: "n1" }, { id: "x", host: "n0" }, { id: "y", host: "f" }],
  workloads: [
    { kind: "bsp", id: "bsp", vms: ["r0", "r1"], pattern: "ring", messageBytes: 1000, computeOps: 1e7, supersteps: 1000 },
    { kind: "batch", id: "b", vm: "x" },
    { kind: "mm1", id: "q", arrivalRate: 1, serviceRate: 2 },
    { kind: "ping", id: "p", src: "x", dst: "y" },
  ],
  policies: {
    vsched: { reservations: [{ vm: "x", period: 0.02, slice: 0.005 }] },
    control: { apps: [{ app: "bsp", dedicatedRate: 10, targets: [{ rate: 0.5 }] }] },
  },
});

/** An explicit topology with a router, a static route, and overlay links and rules. */
export const explicit = (): Doc => ({
  name: "explicit",
  duration: 5,
  platform: {
    hosts: [{ id: "h1" }, { id: "h2" }, { id: "h3" }],
    network: {
      topology: {
        kind: "explicit",
        nodes: [{ id: "r", kind: "router" }],
        links: [
          { a: "h1", b: "r", bandwidth: 1e8, latency: 1e-4 },
          { a: "h2", b: "r", bandwidth: 1e8, latency: 1e-4 },
          { a: "h3", b: "r", bandwidth: 1e8, latency: 1e-4 },
          { a: "h1", b: "h3", bandwidth: 1e7, latency: 1e-3 },
        ],
      },
      routes: [{ from: "h1", to: "h2", via: ["r"] }],
    },
    overlay: { enabled: true, proxy: "h3", links: [{ a: "h1", b: "h2" }], rules: [{ at: "h1", src: "u", dst: "w", next: "h2" }] },
  },
  vms: [{ id: "u", host: "h1" }, { id: "w", host: "h2" }],
  workloads: [{ kind: "noise", id: "n", vms: ["u", "w"], rate: 5, messageBytes: 1e4 }, { kind: "web", id: "web", client: "u", web: "w", db: "w" }],
});

/** An experiment: the VSched miss-time recipe. */
export const experiment = (): Doc => ({
  name: "exp",
  duration: 2,
  platform: { hosts: [{ id: "h", scheduler: "vsched" }] },
  vms: [{ id: "v", host: "h" }],
  workloads: [{ kind: "batch", id: "b", vm: "v" }],
  experiment: { kind: "vsched-miss-times", host: "h", vm: "v", profiles: [{ name: "p", tick: 0.001 }], cells: [{ name: "c", profile: "p", period: 0.01, slice: 0.005 }], periodsPerCell: 50, minCellSeconds: 0.5 },
});

const m = (base: () => Doc, f: (d: Doc) => void): Doc => {
  const d = base();
  f(d);
  return d;
};

const nest = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

export const badCases: BadCase[] = [
  // Files and JSON.
  { name: "truncated JSON", text: JSON.stringify(wan()).slice(0, -7), path: "FILE: not valid JSON" },
  { name: "empty file", text: "", path: "FILE: not valid JSON" },
  { name: "trailing comma", text: '{"name": "x", "duration": 1,}', path: "FILE: not valid JSON" },
  { name: "30,000-deep nesting", text: `{"name":"x","duration":1,"vms":${nest(30000)}}`, path: "FILE: nested" },
  { name: "a scenario that is an array", text: "[]", path: "(scenario):" },
  { name: "a scenario that is a number", text: "42", path: "(scenario):" },
  { name: "2 MB name", doc: m(wan, (d) => (d.name = "n".repeat(2_000_000))), path: "name:" },
  { name: "200-character name", doc: m(wan, (d) => (d.name = "n".repeat(200))), path: "name:" },
  { name: "long description", doc: m(wan, (d) => (d.description = "d".repeat(20_000))), path: "description:" },
  { name: "long unknown key", doc: m(wan, (d) => (d["k".repeat(5000)] = 1)), path: "kkkkkkkkk" },
  // Types and ranges.
  { name: "negative duration", doc: m(wan, (d) => (d.duration = -1)), path: "duration:" },
  { name: "duration as a string", doc: m(wan, (d) => (d.duration = "60")), path: "duration:" },
  { name: "infinite duration", text: JSON.stringify(wan()).replace('"duration":60', '"duration":1e400'), path: "duration:" },
  { name: "fractional seed", doc: m(wan, (d) => (d.seed = 1.5)), path: "seed:" },
  { name: "zero cores", doc: m(rt, (d) => (d.platform.hosts[0].cores = 0)), path: "platform.hosts.0.cores:" },
  { name: "a billion cores", doc: m(rt, (d) => (d.platform.hosts[0].cores = 1e9)), path: "platform.hosts.0.cores:" },
  { name: "a billion hosts", doc: m(rt, (d) => (d.platform.hosts[0].count = 1e9)), path: "platform.hosts" },
  { name: "a million vCPUs", doc: m(rt, (d) => (d.vms[0].vcpus = 1e6)), path: "vms.0.vcpus:" },
  { name: "uMax above 1", doc: m(rt, (d) => (d.platform.hosts[0].uMax = 1.5)), path: "platform.hosts.0.uMax:" },
  { name: "zero tick", doc: m(rt, (d) => (d.platform.hosts[0].tick = 0)), path: "platform.hosts.0.tick:" },
  { name: "unknown field", doc: m(wan, (d) => (d.platform.overlay.proxyHost = "proxy")), path: "platform.overlay.proxyHost: unknown field" },
  { name: "unknown workload kind", doc: m(wan, (d) => (d.workloads[0].kind = "mpi")), path: "workloads.0.kind:" },
  { name: "unknown pattern", doc: m(wan, (d) => (d.workloads[0].pattern = "hypercube")), path: "workloads.0.pattern:" },
  { name: "missing messageBytes", doc: m(wan, (d) => delete d.workloads[0].messageBytes), path: "workloads.0.messageBytes: required field is missing" },
  { name: "empty BSP sequence", doc: m(wan, (d) => (d.workloads[0].sequence = [])), path: "workloads.0.sequence:" },
  { name: "empty BSP ranks", doc: m(wan, (d) => (d.workloads[0].vms = [])), path: "workloads.0.vms:" },
  { name: "fat-tree with odd k", doc: m(wan, (d) => (d.platform.network.topology = { kind: "fat-tree", k: 3, bandwidth: 1e9, latency: 1e-5 })), path: "platform.network.topology.k:" },
  { name: "fat-tree with k = 1000", doc: m(wan, (d) => (d.platform.network.topology = { kind: "fat-tree", k: 1000, bandwidth: 1e9, latency: 1e-5 })), path: "platform.network.topology.k:" },
  // References.
  { name: "VM on an unknown host", doc: m(wan, (d) => (d.vms[0].host = "c0")), path: "vms.0.host:" },
  { name: "duplicate VM", doc: m(wan, (d) => (d.vms[1].id = "v0")), path: "vms.1.id:" },
  { name: "host name clashing with an expanded template", doc: m(wan, (d) => d.platform.hosts.push({ id: "a1" })), path: "platform.hosts.3.id:" },
  { name: "duplicate workload id", doc: m(rt, (d) => (d.workloads[1].id = "bsp")), path: "workloads.1.id:" },
  { name: "BSP rank that is not a VM", doc: m(wan, (d) => (d.workloads[0].vms[2] = "v9")), path: "workloads.0.vms.2:" },
  { name: "reservation for a missing VM", doc: m(rt, (d) => (d.policies.vsched.reservations[0].vm = "ghost")), path: "policies.vsched.reservations.0.vm:" },
  { name: "cross traffic from a missing host", doc: m(wan, (d) => d.workloads.push({ kind: "cross", id: "c", from: "c0", to: "b0", steps: [{ at: 0, rate: 1e6 }] })), path: "workloads.1.from:" },
  { name: "rate control of a missing application", doc: m(rt, (d) => (d.policies.control.apps[0].app = "nope")), path: "policies.control.apps.0.app:" },
  { name: "rate control of a non-BSP workload", doc: m(rt, (d) => (d.policies.control.apps[0].app = "b")), path: "policies.control.apps.0.app:" },
  { name: "VTTIF aggregator that is not a host", doc: m(wan, (d) => (d.policies.vttif.aggregator = "v0")), path: "policies.vttif.aggregator:" },
  { name: "adaptation over a missing VM", doc: m(wan, (d) => (d.policies.adapt.vms[3] = "v7")), path: "policies.adapt.vms.3:" },
  { name: "adaptation onto a missing host", doc: m(wan, (d) => d.policies.adapt.hosts.push("z9")), path: "policies.adapt.hosts.4:" },
  { name: "adaptation measuring a missing application", doc: m(wan, (d) => (d.policies.adapt.app = "nope")), path: "policies.adapt.app:" },
  { name: "overlay proxy that is not a host", doc: m(wan, (d) => (d.platform.overlay.proxy = "p")), path: "platform.overlay.proxy:" },
  { name: "overlay rule at a missing host", doc: m(explicit, (d) => (d.platform.overlay.rules[0].at = "h9")), path: "platform.overlay.rules.0.at:" },
  { name: "overlay rule for a missing VM", doc: m(explicit, (d) => (d.platform.overlay.rules[0].src = "z")), path: "platform.overlay.rules.0.src:" },
  { name: "route via a missing node", doc: m(explicit, (d) => (d.platform.network.routes[0].via = ["s"])), path: "platform.network.routes.0.via.0:" },
  { name: "site A host that does not exist", doc: m(wan, (d) => d.platform.network.topology.siteA.push("a7")), path: "platform.network.topology.siteA.3:" },
  { name: "explicit link to a missing node", doc: m(explicit, (d) => (d.platform.network.topology.links[0].b = "q")), path: "platform.network.topology.links.0.b:" },
  { name: "ping to a missing VM", doc: m(rt, (d) => (d.workloads[3].dst = "zz")), path: "workloads.3.dst:" },
  { name: "web database that is not a VM", doc: m(explicit, (d) => (d.workloads[1].db = "db")), path: "workloads.1.db:" },
  { name: "experiment on a missing host", doc: m(experiment, (d) => (d.experiment.host = "g")), path: "experiment.host:" },
  { name: "experiment cell with a missing profile", doc: m(experiment, (d) => (d.experiment.cells[0].profile = "q")), path: "experiment.cells.0.profile:" },
  // Static invariants.
  { name: "slice longer than the period", doc: m(rt, (d) => (d.policies.vsched.reservations[0].slice = 0.04)), path: "policies.vsched.reservations.0.slice:" },
  { name: "slice longer than the period, admission off", doc: m(rt, (d) => ((d.policies.vsched.reservations[0].slice = 0.04), (d.platform.hosts[0].admission = false))), path: "policies.vsched.reservations.0.slice:" },
  { name: "overhead reserve that leaves nothing", doc: m(rt, (d) => (d.platform.hosts[0].overheadReserve = 1)), path: "platform.hosts.0.overheadReserve:" },
  { name: "load ramp that ends before it starts", doc: m(rt, (d) => (d.platform.hosts[0].externalLoad = { kind: "ramp", from: 0, to: 1, start: 5, end: 2 })), path: "platform.hosts.0.externalLoad.end:" },
  { name: "missing load trace", doc: m(rt, (d) => (d.platform.hosts[0].externalLoad = { kind: "trace", file: "missing.csv" })), path: "platform.hosts.0.externalLoad.file:" },
  { name: "malformed load trace", doc: m(rt, (d) => (d.platform.hosts[0].externalLoad = { kind: "trace", file: "load.csv" })), files: { "load.csv": "t,level\n0,0.5\n1,half\n" }, path: "platform.hosts.0.externalLoad.file:" },
  { name: "negative level in a load trace", doc: m(rt, (d) => (d.platform.hosts[0].externalLoad = { kind: "trace", file: "load.csv" })), files: { "load.csv": "0,0.5\n1,-0.2\n" }, path: "platform.hosts.0.externalLoad.file:" },
  { name: "negative time in a load trace", doc: m(rt, (d) => (d.platform.hosts[0].externalLoad = { kind: "trace", file: "load.csv" })), files: { "load.csv": "-1,0.5\n" }, path: "platform.hosts.0.externalLoad.file:" },
  { name: "load trace without rows", doc: m(rt, (d) => (d.platform.hosts[0].externalLoad = { kind: "trace", file: "load.csv" })), files: { "load.csv": "t,level\n" }, path: "platform.hosts.0.externalLoad.file:" },
  { name: "load trace with three columns", doc: m(rt, (d) => (d.platform.hosts[0].externalLoad = { kind: "trace", file: "load.csv" })), files: { "load.csv": "0,0.5,1\n" }, path: "platform.hosts.0.externalLoad.file:" },
  { name: "fat-tree too small for its hosts", doc: m(wan, (d) => (d.platform.network.topology = { kind: "fat-tree", k: 2, bandwidth: 1e9, latency: 1e-5 })), path: "platform.network.topology.k:" },
  { name: "self-link", doc: m(explicit, (d) => (d.platform.network.topology.links[3].b = "h1")), path: "platform.network.topology.links.3:" },
  { name: "router named like a host", doc: m(explicit, (d) => d.platform.network.topology.nodes.push({ id: "h2", kind: "switch" })), path: "platform.network.topology.nodes.1.id:" },
  { name: "hosts with VMs that cannot reach each other", doc: m(explicit, (d) => (d.platform.network.topology.links = d.platform.network.topology.links.filter((l: Doc) => l.a !== "h2"))), path: "platform.network.topology.links:" },
  { name: "static route over a missing link", doc: m(explicit, (d) => (d.platform.network.routes[0] = { from: "h2", to: "h3", via: ["h1"] })), path: "platform.network.routes.0.via:" },
  { name: "route to itself", doc: m(explicit, (d) => (d.platform.network.routes[0] = { from: "h2", to: "h2", via: ["r"] })), path: "platform.network.routes.0" },
  { name: "overlay link to itself", doc: m(explicit, (d) => (d.platform.overlay.links[0].b = "h1")), path: "platform.overlay.links.0:" },
  { name: "overlay rule with no overlay link", doc: m(explicit, (d) => (d.platform.overlay.links = [])), path: "platform.overlay.rules.0:" },
  { name: "overlay rule that forwards to itself", doc: m(explicit, (d) => (d.platform.overlay.rules[0].next = "h1")), path: "platform.overlay.rules.0.next:" },
  { name: "overlay rules that loop", doc: m(explicit, (d) => (d.platform.overlay.rules = [{ at: "h1", src: "u", dst: "w", next: "h3" }, { at: "h3", src: "u", dst: "w", next: "h1" }])), path: "platform.overlay.rules.0:" },
  { name: "overlay rules on a disabled overlay", doc: m(explicit, (d) => (d.platform.overlay.enabled = false)), path: "platform.overlay." },
  { name: "star overlay without a proxy", doc: m(wan, (d) => delete d.platform.overlay.proxy), path: "platform.overlay.proxy:" },
  { name: "VTTIF without the overlay", doc: m(wan, (d) => ((d.platform.overlay.enabled = false), (d.policies.adapt.enabled = false), (d.policies.vreserve.enabled = false))), path: "policies.vttif.enabled:" },
  { name: "adaptation without Wren", doc: m(wan, (d) => ((d.policies.wren.enabled = false), (d.policies.vreserve.enabled = false))), path: "policies.adapt.enabled:" },
  { name: "adaptation without VTTIF", doc: m(wan, (d) => ((d.policies.vttif.enabled = false), (d.policies.vreserve.enabled = false))), path: "policies.adapt.enabled:" },
  { name: "VRESERVE without VTTIF", doc: m(wan, (d) => ((d.policies.vttif.enabled = false), (d.policies.adapt.enabled = false))), path: "policies.vreserve.enabled:" },
  { name: "adaptation with too few slots", doc: m(wan, (d) => (d.policies.adapt.hosts = ["a0", "b0", "a1"])), path: "policies.adapt" },
  { name: "adaptation of a VM outside its hosts", doc: m(wan, (d) => ((d.policies.adapt.hosts = ["a0", "a1", "b0", "proxy"]))), path: "policies.adapt.vms.3:" },
  { name: "BSP with a VM listed twice", doc: m(wan, (d) => (d.workloads[0].vms[3] = "v0")), path: "workloads.0.vms:" },
  { name: "noise between one VM and itself", doc: m(explicit, (d) => (d.workloads[0].vms = ["u", "u"])), path: "workloads.0.vms:" },
  { name: "cross traffic from a host to itself", doc: m(wan, (d) => d.workloads.push({ kind: "cross", id: "c", from: "a0", to: "a0", steps: [{ at: 0, rate: 1e6 }] })), path: "workloads.1.to:" },
  { name: "ping from a VM to itself", doc: m(rt, (d) => (d.workloads[3].dst = "x")), path: "workloads.3.dst:" },
  { name: "warm-up as long as the run", doc: m(rt, (d) => (d.workloads[2].warmup = 10)), path: "workloads.2.warmup:" },
  { name: "rate control of ranks on fair hosts", doc: m(rt, (d) => (d.vms[1].host = "f")), path: "policies.control.apps.0.app:" },
  { name: "a table no model produces", doc: m(rt, (d) => (d.outputs = { tables: ["q.customer"] })), path: "outputs.tables.0:" },
  { name: "tables asked of an experiment", doc: m(experiment, (d) => (d.outputs = { tables: ["hosts"] })), path: "outputs.tables:" },
  // Work and sizes.
  { name: "1 ns period over a long run", doc: m(rt, (d) => ((d.policies.vsched.reservations[0] = { vm: "x", period: 1e-9, slice: 1e-10 }), (d.platform.hosts[0].admission = false), (d.duration = 3600))), path: "policies.vsched.reservations.0.period:" },
  { name: "a thousand years of M/M/1", doc: m(rt, (d) => (d.duration = 3.2e10)), path: "platform.hosts.0.tick:" },
  { name: "tick of a nanosecond", doc: m(rt, (d) => ((d.platform.hosts[0].tick = 1e-9), (d.platform.hosts[0].admission = false))), path: "platform.hosts.0.tick:" },
  { name: "a billion PHOLD processes", doc: m(wan, (d) => d.workloads.push({ kind: "phold", id: "ph", lps: 1e9 })), path: "workloads.1.lps:" },
  { name: "all-to-all over a hundred thousand ranks", doc: m(wan, (d) => { d.vms = Array.from({ length: 100000 }, (_, i) => ({ id: `v${i}`, host: "a0" })); d.workloads[0].vms = d.vms.map((v: Doc) => v.id); d.workloads[0].pattern = "all-to-all"; d.policies = {}; }), path: "workloads.0.supersteps:" },
  { name: "a million web clients", doc: m(explicit, (d) => ((d.workloads[1].clients = 1e7), (d.duration = 1e4))), path: "workloads.1.clients:" },
  { name: "annealing for ever", doc: m(wan, (d) => ((d.policies.adapt.algorithm = "sa"), (d.policies.adapt.annealing = { iterations: 1e9 }))), path: "policies.adapt.interval:" },
  { name: "random topology with too many links", doc: m(wan, (d) => (d.platform.network.topology = { kind: "random", routers: 5000, extraLinkProbability: 0.5, router: { bandwidth: 1e9, latency: 1e-4 }, access: { bandwidth: 1e9, latency: 1e-4 } })), path: "platform.network.topology.routers:" },
];
