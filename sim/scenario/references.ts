import { limits, quote } from "./limits.js";
import { formatPath } from "./problems.js";

/**
 * Checks that names are unique and that every reference names something that exists. Runs on
 * the raw document too, so these problems are reported together with type errors.
 */
export function referenceProblems(doc: unknown): string[] {
  const out: string[] = [];
  const root = asRecord(doc);
  if (!root) return out;
  const hosts = new Set<string>();
  const platform = asRecord(root.platform);
  eachItem(platform?.hosts, "platform.hosts", (h, path) => {
    if (typeof h.id !== "string") return;
    const count = h.count;
    // Bounded before expansion: a count of 1e9 must not allocate a billion names.
    const names = typeof count === "number" && Number.isInteger(count) && count > 0 && count <= limits.hosts
      ? Array.from({ length: count }, (_, i) => `${h.id}${i}`)
      : [h.id];
    for (const n of names) {
      if (hosts.has(n)) out.push(`${path}.id: duplicate host ${quote(n)}`);
      hosts.add(n);
    }
  });
  let total = 0;
  eachItem(platform?.hosts, "platform.hosts", (h) => (total += typeof h.count === "number" && h.count > 0 ? h.count : 1));
  if (total > limits.hosts) out.push(`platform.hosts: ${total} hosts after expanding counts; at most ${limits.hosts}`);
  const vms = new Set<string>();
  eachItem(root.vms, "vms", (vm, path) => {
    if (typeof vm.id === "string") {
      if (vms.has(vm.id)) out.push(`${path}.id: duplicate VM ${quote(vm.id)}`);
      vms.add(vm.id);
    }
    if (typeof vm.host === "string" && !hosts.has(vm.host)) out.push(`${path}.host: unknown host ${quote(vm.host)}`);
  });
  const workloads = new Set<string>();
  eachItem(root.workloads, "workloads", (w, path) => {
    if (typeof w.id === "string") {
      if (workloads.has(w.id)) out.push(`${path}.id: duplicate workload ${quote(w.id)}`);
      workloads.add(w.id);
    }
    eachRef(w.vms, `${path}.vms`, vms, "VM", out);
    for (const key of ["vm", "src", "dst", "client", "web", "db"]) ref(w[key], `${path}.${key}`, vms, "VM", out);
    for (const key of ["from", "to"]) ref(w[key], `${path}.${key}`, hosts, "host", out);
  });

  const policies = asRecord(root.policies);
  eachItem(asRecord(policies?.vsched)?.reservations, "policies.vsched.reservations", (r, path) => ref(r.vm, `${path}.vm`, vms, "VM", out));
  eachItem(asRecord(policies?.control)?.apps, "policies.control.apps", (a, path) => ref(a.app, `${path}.app`, workloads, "workload", out));
  ref(asRecord(policies?.vttif)?.aggregator, "policies.vttif.aggregator", hosts, "host", out);
  const adapt = asRecord(policies?.adapt);
  eachRef(adapt?.vms, "policies.adapt.vms", vms, "VM", out);
  eachRef(adapt?.hosts, "policies.adapt.hosts", hosts, "host", out);
  ref(adapt?.app, "policies.adapt.app", workloads, "workload", out);

  const experiment = asRecord(root.experiment);
  if (experiment) {
    for (const key of ["host", "src", "dst"]) ref(experiment[key], `experiment.${key}`, hosts, "host", out);
    ref(experiment.vm, "experiment.vm", vms, "VM", out);
    for (const key of ["app", "interactive"]) ref(experiment[key], `experiment.${key}`, workloads, "workload", out);
    eachRef(experiment.batch, "experiment.batch", workloads, "workload", out);
    const profiles = new Set<string>();
    eachItem(experiment.profiles, "experiment.profiles", (p) => typeof p.name === "string" && profiles.add(p.name));
    eachItem(experiment.cells, "experiment.cells", (c, path) => ref(c.profile, `${path}.profile`, profiles, "profile", out));
  }

  const network = asRecord(platform?.network);
  const topology = asRecord(network?.topology);
  const nodes = new Set(hosts);
  eachItem(topology?.nodes, "platform.network.topology.nodes", (n) => typeof n.id === "string" && nodes.add(n.id));
  eachRef(topology?.siteA, "platform.network.topology.siteA", hosts, "host", out);
  eachItem(topology?.links, "platform.network.topology.links", (l, path) => {
    ref(l.a, `${path}.a`, nodes, "node", out);
    ref(l.b, `${path}.b`, nodes, "node", out);
  });
  eachItem(network?.routes, "platform.network.routes", (r, path) => {
    ref(r.from, `${path}.from`, hosts, "host", out);
    ref(r.to, `${path}.to`, hosts, "host", out);
    eachRef(r.via, `${path}.via`, nodes, "node", out);
  });

  const overlay = asRecord(platform?.overlay);
  ref(overlay?.proxy, "platform.overlay.proxy", hosts, "host", out);
  eachItem(overlay?.links, "platform.overlay.links", (l, path) => {
    ref(l.a, `${path}.a`, hosts, "host", out);
    ref(l.b, `${path}.b`, hosts, "host", out);
  });
  eachItem(overlay?.rules, "platform.overlay.rules", (r, path) => {
    ref(r.at, `${path}.at`, hosts, "host", out);
    ref(r.next, `${path}.next`, hosts, "host", out);
    ref(r.src, `${path}.src`, vms, "VM", out);
    ref(r.dst, `${path}.dst`, vms, "VM", out);
  });
  if (experiment?.kind === "vadapt-modes") {
    eachItem(experiment.starts, "experiment.starts", (st, path) => {
      for (const [vm, host] of Object.entries(asRecord(st.hosts) ?? {})) {
        if (!vms.has(vm)) out.push(`${formatPath([path, "hosts", vm])}: unknown VM`);
        ref(host, `${path}.hosts.${vm}`, hosts, "host", out);
      }
    });
  }
  if (overlay?.enabled === true && (overlay.mode ?? "star") === "star" && overlay.proxy === undefined) {
    out.push("platform.overlay.proxy: required when the overlay is enabled in star mode");
  }
  return out;
}

function ref(r: unknown, path: string, known: Set<string>, what: string, out: string[]): void {
  if (typeof r === "string" && !known.has(r)) out.push(`${path}: unknown ${what} ${quote(r)}`);
}

function eachRef(refs: unknown, path: string, known: Set<string>, what: string, out: string[]): void {
  if (!Array.isArray(refs)) return;
  refs.forEach((r, i) => ref(r, `${path}.${i}`, known, what, out));
}

function eachItem(list: unknown, path: string, fn: (item: Record<string, unknown>, path: string) => void): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    const rec = asRecord(item);
    if (rec) fn(rec, `${path}.${i}`);
  });
}

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}
