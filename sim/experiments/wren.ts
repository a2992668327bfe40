/**
 * Wren's accuracy (IPDPS 2006 reconstruction): its passive estimate of a path's available
 * bandwidth against the simulator's ground truth, capacity minus the cross traffic on the
 * path's narrowest link, over time; and the CDF of the relative error.
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { chart } from "../../analysis/chart.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import { Cells, result, type ExperimentResult } from "./cells.js";
import type { WrenAccuracySpec } from "./schema.js";

export function wrenAccuracy(base: Scenario, spec: WrenAccuracySpec): ExperimentResult {
  const cells = new Cells();
  const r = cells.run({ ...base, experiment: undefined });
  const { world } = r;
  const path = world.router.route(world.host(spec.src).node, world.host(spec.dst).node).resources;
  const crosses = base.workloads.flatMap((w) => (w.kind === "cross" ? [w] : []));
  const truth = (t: number) => {
    let best = Infinity;
    for (const res of path) {
      let load = 0;
      for (const c of crosses) {
        const route = world.router.route(world.host(c.from).node, world.host(c.to).node).resources;
        if (route.includes(res)) load += (r.models.get(c.id) as unknown as { rateAt(t: number): number }).rateAt(t);
      }
      best = Math.min(best, world.topo.capacity[res] - load);
    }
    return best;
  };
  const table = r.sim.trace.all().find((x) => x.name === "wren.estimates");
  if (!table) throw new ScenarioError(["experiment: the scenario must enable policies.wren"]);
  const [ts, src, dst, bw] = ["t", "src", "dst", "bandwidth"].map((c) => table.column(c));
  const rows: { t: number; estimate: number; truth: number; error: number }[] = [];
  for (let i = 0; i < table.length; i++) {
    if (src[i] !== spec.src || dst[i] !== spec.dst || !Number.isFinite(bw[i] as number)) continue;
    const t = ts[i] as number, est = bw[i] as number, tr = truth(t);
    rows.push({ t, estimate: est, truth: tr, error: (est - tr) / tr });
  }
  const errs = rows.map((x) => Math.abs(x.error)).sort((a, b) => a - b);
  const mb = (x: number) => x / 1e6;
  const files = {
    "wren.csv": toCsv(recordsToRows(rows, ["t", "estimate", "truth", "error"])),
    "wren.svg": chart({
      title: `Wren: available bandwidth ${spec.src} -> ${spec.dst}`,
      x: { label: "time (s)" },
      y: { label: "available bandwidth (MB/s)" },
      series: [
        { name: "true (capacity - cross traffic)", points: rows.map((x) => [x.t, mb(x.truth)] as [number, number]), kind: "step" },
        { name: "Wren estimate", points: rows.map((x) => [x.t, mb(x.estimate)] as [number, number]), kind: "scatter" },
      ],
    }),
    "wren_error.svg": chart({ title: "Wren: relative error of the estimate", x: { label: "|estimate - truth| / truth" }, y: { label: "fraction of estimates (CDF)" }, series: [{ name: "error", points: errs.map((e, i) => [e, (i + 1) / errs.length] as [number, number]), kind: "step" }] }),
  };
  const median = errs.length ? errs[Math.floor(errs.length / 2)] : NaN;
  return result(base, cells, { wren: { estimates: rows.length, median_abs_error: median, p90_abs_error: errs.length ? errs[Math.floor(errs.length * 0.9)] : NaN } }, files);
}
