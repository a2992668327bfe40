/**
 * `virtuoso figures migration-qemu`: the qemu model calibrated on the committed QEMU
 * measurements (results/migration-qemu/measurements.csv), against those and the held-out
 * set, case by case: total time, bytes, downtime and dirty-bitmap syncs.
 */
import { chart, type Series } from "../../analysis/chart.js";
import { toCsv } from "../../analysis/csv.js";
import { calibrateMigration, errors, medianRun, migrationFragment, predict, predictionRuns } from "./migration.js";
import { caseMedians, type MeasuredMigration } from "./measurements.js";

const MODEL = "#d62728";

const sameCase = (a: MeasuredMigration, b: MeasuredMigration) =>
  a.memoryMiB === b.memoryMiB && a.dirtyMiBps === b.dirtyMiBps && a.workingSetMiB === b.workingSetMiB && a.capMiBps === b.capMiBps && a.downtimeLimitMs === b.downtimeLimitMs;

/** A table held against the model fitted on another: its name in the figure, the mark its cases get, its rows. */
export interface HeldOutSet {
  name: string;
  mark: string;
  table: readonly MeasuredMigration[];
}

/** Files of the figure folder: name -> contents. */
export function migrationQemuFigure(fittingTable: readonly MeasuredMigration[], heldOutSets: readonly HeldOutSet[]): [string, string][] {
  // One point per case: the median of its repeats.
  const sets = [{ name: "fitting", mark: "", table: fittingTable }, ...heldOutSets].map((x) => ({ ...x, cases: caseMedians(x.table) }));
  const fitting = sets[0].cases;
  const repeated = sets.some((x) => x.cases.length < x.table.length);
  const fit = calibrateMigration(fitting);
  const cases = sets.flatMap((x) => x.cases.map((r) => ({ r, set: x.name, mark: x.mark, table: x.table })));
  const rows = cases.map(({ r, set, mark, table }) => {
    // The prediction, and the downtime's range over the runs its median is taken over (check
    // phases, and the repeats' layouts where the table has them).
    const runs = predictionRuns(r, fit);
    const p = medianRun(runs);
    const downtimes = runs.map((x) => x.downtime_s);
    return { r, set, mark, table, p, e: errors(r, p), low: Math.min(...downtimes), high: Math.max(...downtimes), parametric: predict(r, fit, { parametric: true }) };
  });
  const categories = rows.map(({ r, mark }) => `${r.memoryMiB}/${r.dirtyMiBps}/${r.capMiBps}${mark}`);
  const panel = (title: string, unit: string, log: boolean, measured: (r: MeasuredMigration) => number, model: (i: number) => number, band?: (v: number) => [number, number]) => {
    // Every repeat in grey behind its case's median: the spread a single run can show.
    const raw: Series = {
      name: "QEMU (each repeat)",
      kind: "scatter",
      colour: "#bbbbbb",
      points: rows.flatMap((x, i) => x.table.filter((m) => sameCase(m, x.r)).map((m) => [i, measured(m)] as const)).filter(([, v]) => Number.isFinite(v)),
    };
    const q = (set: string): Series => ({
      name: `QEMU (${set}${repeated ? ", median" : ""})`,
      kind: "scatter",
      // A table without the quantity (older QEMU) draws no point for it.
      points: rows.flatMap((x, i) => (x.set === set && Number.isFinite(measured(x.r)) ? [[i, measured(x.r)] as const] : [])),
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
      x: { label: `guest MiB / dirty MiB/s / cap MiB/s   (${heldOutSets.map((x) => `${x.mark} ${x.name}`).join(", ")})`, categories },
      y: { label: unit, log },
      series: [...(repeated ? [raw] : []), ...sets.map((x) => q(x.name)), m],
      // Room for each case's label.
      width: 64 * rows.length + 120,
      height: 340,
    });
  };
  const table = [
    ["set", "memory_mib", "dirty_mibps", "cap_mibps", "total_ms", "model_total_ms", "bytes", "model_bytes", "downtime_ms", "model_downtime_ms", "model_downtime_min_ms", "model_downtime_max_ms", "downtime_bytes", "model_downtime_bytes", "parametric_downtime_ms", "syncs", "model_syncs", "within_tolerance", "repeats"],
    ...rows.map(({ r, set, table, p, e, low, high, parametric }) => [
      set, r.memoryMiB, r.dirtyMiBps, r.capMiBps, r.totalMs, Math.round(p.total_s * 1000), r.transferredBytes, Math.round(p.bytes),
      r.downtimeMs, Math.round(p.downtime_s * 1000), Math.round(low * 1000), Math.round(high * 1000), r.downtimeBytes ?? "", Math.round(p.downtime_bytes), Math.round(parametric.downtime_s * 1000), r.dirtySyncCount, p.rounds,
      Object.entries(e).filter(([, v]) => Math.abs(v) > 1).map(([k]) => k).join(" ") || "all",
      table.filter((m) => sameCase(m, r)).length,
    ]),
  ];
  const within = (of: typeof rows) => {
    const n = (k: keyof ReturnType<typeof errors>) => of.filter((x) => Math.abs(x.e[k]) <= 1).length;
    return { cases: of.length, within: { total: n("total"), bytes: n("bytes"), downtime: n("downtime"), rounds: n("rounds") } };
  };
  const summary = { ...within(rows), sets: Object.fromEntries(sets.map((x) => [x.name, within(rows.filter((y) => y.set === x.name))])), fit: migrationFragment(fitting, fit) };
  return [
    ["total-time.svg", panel("Total time", "seconds (log)", true, (r) => r.totalMs / 1000, (i) => rows[i].p.total_s, (v) => [v / 1.15, v / 0.85])],
    ["bytes.svg", panel("Bytes sent", "MB", false, (r) => r.transferredBytes / 1e6, (i) => rows[i].p.bytes / 1e6, (v) => [v / 1.15, v / 0.85])],
    ["downtime.svg", panel("Downtime", "ms", false, (r) => r.downtimeMs, (i) => rows[i].p.downtime_s * 1000, (v) => [Math.max(0, v - 20), v + 20])],
    // What QEMU sent while the guest was paused (downtime-bytes), where the tables have it: the
    // stop's remainder, apart from how fast it went.
    ...(rows.some((x) => x.r.downtimeBytes !== undefined)
      ? [["downtime-bytes.svg", panel("Bytes sent while paused", "MB", false, (r) => (r.downtimeBytes ?? NaN) / 1e6, (i) => rows[i].p.downtime_bytes / 1e6)] as [string, string]]
      : []),
    ["syncs.svg", panel("Dirty-bitmap syncs", "syncs", false, (r) => r.dirtySyncCount, (i) => rows[i].p.rounds, (v) => [v - 2, v + 2])],
    ["predictions.csv", toCsv(table)],
    ["calibrated.json", JSON.stringify(migrationFragment(fitting, fit), null, 2) + "\n"],
    ["summary.json", JSON.stringify(summary, null, 2) + "\n"],
  ];
}
