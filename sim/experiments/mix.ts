/**
 * Mixing batch and interactive VMs (SC 2005): the interactive VM's response time against its
 * (period, slice), beside the batch VMs' throughput on the same host.
 */
import { recordsToRows, toCsv } from "../../analysis/csv.js";
import { chart } from "../../analysis/chart.js";
import { ScenarioError, type Scenario } from "../scenario/index.js";
import { Cells, result, variant, type ExperimentResult } from "./cells.js";
import { fmtTime } from "./miss-grid.js";
import type { MixSpec } from "./schema.js";

export function mix(base: Scenario, spec: MixSpec): ExperimentResult {
  const cells = new Cells();
  const rows = spec.reservations.map((r) => {
    const s = variant(base, [], (doc) => {
      doc.policies.vsched.reservations = [{ vm: spec.vm, period: r.period, slice: r.slice, at: 0 }];
    });
    const m = cells.run(s).summary.metrics;
    const rejected = m.vsched?.[`${spec.vm}.rejected`];
    if (rejected) throw new ScenarioError([`experiment.reservations: ${r.slice} s / ${r.period} s for ${spec.vm} is refused by admission control: ${rejected}`]);
    const ui = m[spec.interactive];
    const batch = spec.batch.reduce((sum, b) => sum + (m[b].throughput_ops_s as number), 0);
    return {
      period_s: r.period,
      slice_s: r.slice,
      utilization: r.slice / r.period,
      mean_response_ms: (ui.mean_response_s as number) * 1000,
      p95_response_ms: (ui.p95_response_s as number) * 1000,
      batch_gops: batch / 1e9,
    };
  });
  const byPeriod = [...new Set(rows.map((r) => r.period_s))];
  const line = (y: (r: (typeof rows)[number]) => number) =>
    byPeriod.map((p) => ({ name: `period ${fmtTime(p)}`, points: rows.filter((r) => r.period_s === p).map((r) => [r.utilization, y(r)] as [number, number]) }));
  const files = {
    "mix.csv": toCsv(recordsToRows(rows, ["period_s", "slice_s", "utilization", "mean_response_ms", "p95_response_ms", "batch_gops"])),
    "mix_response.svg": chart({ title: "Interactive VM under VSched: response time", x: { label: "reserved utilization (slice / period)" }, y: { label: "mean response time (ms)", log: true }, series: line((r) => r.mean_response_ms) }),
    "mix_batch.svg": chart({ title: "Batch VMs beside it: throughput", x: { label: "interactive VM's reserved utilization" }, y: { label: "batch throughput (Gop/s)" }, series: line((r) => r.batch_gops) }),
  };
  return result(base, cells, { mix: { configurations: rows.length } }, files);
}
