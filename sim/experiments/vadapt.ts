/**
 * VADAPT's payoff (LCR 2004, HPDC 2005): a BSP application's runtime with no adaptation,
 * with overlay adaptation only (links and forwarding), and with migration plus overlay.
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import type { Scenario } from "../scenario/index.js";
import { Cells, result, variant, type ExperimentResult } from "./cells.js";
import type { AdaptModesSpec } from "./schema.js";

export function adaptModes(base: Scenario, spec: AdaptModesSpec): ExperimentResult {
  const cells = new Cells();
  const index = base.workloads.findIndex((w) => w.id === spec.app);
  if (index < 0 || base.workloads[index].kind !== "bsp") throw new Error(`experiment.app: "${spec.app}" is not a BSP workload`);
  const rows: { pattern: string; mode: string; runtime_s: number; speedup: number; migrations: number }[] = [];
  for (const pattern of spec.patterns) {
    let baseline = NaN;
    for (const mode of spec.modes) {
      const s = variant(base, [], (doc) => {
        doc.workloads[index].pattern = pattern;
        if (mode === "none") {
          if (doc.policies.adapt) doc.policies.adapt.enabled = false;
        } else {
          if (!doc.policies.adapt) throw new Error("experiment: the scenario needs policies.adapt");
          doc.policies.adapt.enabled = true;
          doc.policies.adapt.mode = mode;
        }
      });
      const m = cells.run(s).summary.metrics;
      const runtime = m[spec.app].finished ? (m[spec.app].runtime_s as number) : NaN;
      if (mode === "none") baseline = runtime;
      rows.push({ pattern, mode, runtime_s: runtime, speedup: baseline / runtime, migrations: (m.adapt?.migrations as number) ?? 0 });
    }
  }
  const metrics: Record<string, Record<string, number>> = {};
  for (const r of rows) (metrics[r.pattern] ??= {})[`${r.mode}_speedup`] = r.speedup;
  return result(base, cells, metrics, { "adaptation.csv": toCsv(recordsToRows(rows, ["pattern", "mode", "runtime_s", "speedup", "migrations"])) });
}
