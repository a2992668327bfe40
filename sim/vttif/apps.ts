/**
 * Which VMs VTTIF reports on together. Each application names its VMs; applications that
 * share a VM cannot be told apart by traffic, so they are merged into one group. Without any
 * application, one group holds every VM (the whole matrix).
 */
export interface Application {
  id: string;
  vms: readonly string[];
}

export interface AppGroup {
  /** The member applications' ids joined with "+", or "*" for the whole matrix. */
  id: string;
  /** Undefined: every VM. */
  vms: ReadonlySet<string> | undefined;
}

/** Groups in order of their first application; deterministic for a given list. */
export function appGroups(apps: readonly Application[] | undefined): AppGroup[] {
  const list = (apps ?? []).filter((a) => a.vms.length > 0);
  if (list.length === 0) return [{ id: "*", vms: undefined }];
  // Union-find over applications, joined where they share a VM.
  const parent = list.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const owner = new Map<string, number>();
  list.forEach((a, i) => {
    for (const v of a.vms) {
      const o = owner.get(v);
      if (o === undefined) owner.set(v, i);
      else {
        const [x, y] = [find(o), find(i)];
        if (x !== y) parent[Math.max(x, y)] = Math.min(x, y);
      }
    }
  });
  const groups = new Map<number, { ids: string[]; vms: Set<string> }>();
  list.forEach((a, i) => {
    const r = find(i);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = { ids: [], vms: new Set() }));
    if (!g.ids.includes(a.id)) g.ids.push(a.id);
    for (const v of a.vms) g.vms.add(v);
  });
  return [...groups.values()].map((g) => ({ id: g.ids.join("+"), vms: g.vms }));
}
