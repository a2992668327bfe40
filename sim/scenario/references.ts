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
    const names = typeof count === "number" && Number.isInteger(count) && count > 0
      ? Array.from({ length: count }, (_, i) => `${h.id}${i}`)
      : [h.id];
    for (const n of names) {
      if (hosts.has(n)) out.push(`${path}.id: duplicate host "${n}"`);
      hosts.add(n);
    }
  });
  const vms = new Set<string>();
  eachItem(root.vms, "vms", (vm, path) => {
    if (typeof vm.id === "string") {
      if (vms.has(vm.id)) out.push(`${path}.id: duplicate VM "${vm.id}"`);
      vms.add(vm.id);
    }
    if (typeof vm.host === "string" && !hosts.has(vm.host)) out.push(`${path}.host: unknown host "${vm.host}"`);
  });
  const workloads = new Set<string>();
  eachItem(root.workloads, "workloads", (w, path) => {
    if (typeof w.id === "string") {
      if (workloads.has(w.id)) out.push(`${path}.id: duplicate workload "${w.id}"`);
      workloads.add(w.id);
    }
    eachRef(w.vms, `${path}.vms`, vms, "VM", out);
  });
  return out;
}

function eachRef(refs: unknown, path: string, known: Set<string>, what: string, out: string[]): void {
  if (!Array.isArray(refs)) return;
  refs.forEach((r, i) => {
    if (typeof r === "string" && !known.has(r)) out.push(`${path}.${i}: unknown ${what} "${r}"`);
  });
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
