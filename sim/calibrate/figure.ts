/**
 * `virtuoso figures migration-qemu`: the qemu model calibrated on the committed QEMU
 * measurements (results/migration-qemu/measurements.csv), against those and the held-out
 * set, case by case: total time, bytes, downtime and dirty-bitmap syncs.
 */
import { chart, type Series } from "../../analysis/chart.js";
import { toCsv } from "../../analysis/csv.js";
import { calibrateMigration, errors, migrationFragment, PHASES, predict, predictAt } from "./migration.js";
import { migrationSchema } from "../platform/migration/index.js";
import { caseMedians, type MeasuredMigration } from "./measurements.js";

const MODEL = "#d62728";

const sameCase = (a: MeasuredMigration, b: MeasuredMigration) =>
  a.memoryMiB === b.memoryMiB && a.dirtyMiBps === b.dirtyMiBps && a.workingSetMiB === b.workingSetMiB && a.capMiBps === b.capMiBps && a.downtimeLimitMs === b.downtimeLimitMs;

/** Files of the figure folder: name -> contents. */
export function migrationQemuFigure(fittingTable: readonly MeasuredMigration[], heldOutTable: readonly MeasuredMigration[]): [string, string][] {
  // One point per case: the median of its repeats.
  const fitting = caseMedians(fittingTable), heldOut = caseMedians(heldOutTable);
  const repeated = fitting.length < fittingTable.length || heldOut.length < heldOutTable.length;
  const fit = calibrateMigration(fitting);
  const cases = [...fitting.map((r) => ({ r, set: "fitting" })), ...heldOut.map((r) => ({ r, set: "held-out" }))];
  const spec = migrationSchema.parse({ model: "qemu" });
  const rows = cases.map(({ r, set }) => {
    const p = predict(r, fit);
    // The downtime's range over the check phases the median is taken over.
    const downtimes = Array.from({ length: PHASES }, (_, i) => predictAt(r, fit, spec, (i + 0.5) / PHASES).downtime_s);
    return { r, set, p, e: errors(r, p), low: Math.min(...downtimes), high: Math.max(...downtimes) };
  });
  const categories = rows.map(({ r, set }) => `${r.memoryMiB}/${r.dirtyMiBps}/${r.capMiBps}${set === "held-out" ? "*" : ""}`);
  const panel = (title: string, unit: string, log: boolean, measured: (r: MeasuredMigration) => number, model: (i: number) => number, band?: (v: number) => [number, number]) => {
    // Every repeat in grey behind its case's median: the spread a single run can show.
    const raw: Series = {
      name: "QEMU (each repeat)",
      kind: "scatter",
      colour: "#bbbbbb",
      points: rows.flatMap((x, i) => (x.set === "fitting" ? fittingTable : heldOutTable).filter((m) => sameCase(m, x.r)).map((m) => [i, measured(m)] as const)),
    };
    const q = (set: string): Series => ({
      name: `QEMU (${set}${repeated ? ", median" : ""})`,
      kind: "scatter",
      points: rows.flatMap((x, i) => (x.set === set ? [[i, measured(x.r)] as const] : [])),
    });
    const m: Series = {
      name: "model",
      kind: "scatter",
      colour: MODEL,
      points: rows.map((_, i) => [i, model(i)] as const),
      ...(band ? { errors: rows.map((_, i) => band(model(i))) } : {}),
    };
    return chart({
      title: `${title}: QEMU 7.2 against the calibrated model (bars: acceptance band)`,
      x: { label: "guest MiB / dirty MiB/s / cap MiB/s   (* held out)", categories },
      y: { label: unit, log },
      series: [...(repeated ? [raw] : []), q("fitting"), q("held-out"), m],
      // Room for each case's label.
      width: 64 * rows.length + 120,
      height: 340,
    });
  };
  const table = [
    ["set", "memory_mib", "dirty_mibps", "cap_mibps", "total_ms", "model_total_ms", "bytes", "model_bytes", "downtime_ms", "model_downtime_ms", "model_downtime_min_ms", "model_downtime_max_ms", "syncs", "model_syncs", "within_tolerance", "repeats"],
    ...rows.map(({ r, set, p, e, low, high }) => [
      set, r.memoryMiB, r.dirtyMiBps, r.capMiBps, r.totalMs, Math.round(p.total_s * 1000), r.transferredBytes, Math.round(p.bytes),
      r.downtimeMs, Math.round(p.downtime_s * 1000), Math.round(low * 1000), Math.round(high * 1000), r.dirtySyncCount, p.rounds,
      Object.entries(e).filter(([, v]) => Math.abs(v) > 1).map(([k]) => k).join(" ") || "all",
      (set === "fitting" ? fittingTable : heldOutTable).filter((m) => sameCase(m, r)).length,
    ]),
  ];
  const within = (k: keyof ReturnType<typeof errors>) => rows.filter((x) => Math.abs(x.e[k]) <= 1).length;
  const summary = { cases: rows.length, within: { total: within("total"), bytes: within("bytes"), downtime: within("downtime"), rounds: within("rounds") }, fit: migrationFragment(fitting, fit) };
  return [
    ["total-time.svg", panel("Total time", "seconds (log)", true, (r) => r.totalMs / 1000, (i) => rows[i].p.total_s, (v) => [v / 1.15, v / 0.85])],
    ["bytes.svg", panel("Bytes sent", "MB", false, (r) => r.transferredBytes / 1e6, (i) => rows[i].p.bytes / 1e6, (v) => [v / 1.15, v / 0.85])],
    ["downtime.svg", panel("Downtime", "ms", false, (r) => r.downtimeMs, (i) => rows[i].p.downtime_s * 1000, (v) => [Math.max(0, v - 20), v + 20])],
    ["syncs.svg", panel("Dirty-bitmap syncs", "syncs", false, (r) => r.dirtySyncCount, (i) => rows[i].p.rounds, (v) => [v - 2, v + 2])],
    ["predictions.csv", toCsv(table)],
    ["calibrated.json", JSON.stringify(migrationFragment(fitting, fit), null, 2) + "\n"],
    ["summary.json", JSON.stringify(summary, null, 2) + "\n"],
  ];
}
