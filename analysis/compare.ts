/**
 * Simulation against reality: the figures a simulated run predicted beside those a live run
 * of the same scenario measured (each VM's CPU share, each application's rate), as a table and
 * a predicted-vs-measured scatter with the diagonal.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chart } from "./chart.js";
import { recordsToRows, toCsv } from "./csv.js";

export interface Comparison {
  quantity: string;
  predicted: number;
  measured: number;
  difference: number;
}

type Metrics = Record<string, Record<string, unknown>>;

export function compare(simDir: string, liveDir: string): { rows: Comparison[]; csv: string; svg: string } {
  const sim = JSON.parse(readFileSync(join(simDir, "summary.json"), "utf8")) as { simulated_s: number; metrics: Metrics };
  const live = JSON.parse(readFileSync(join(liveDir, "summary.json"), "utf8")) as { metrics: Metrics };
  const rows: Comparison[] = [];
  const add = (quantity: string, predicted: unknown, measured: unknown) => {
    if (typeof predicted === "number" && typeof measured === "number" && Number.isFinite(predicted) && Number.isFinite(measured)) {
      rows.push({ quantity, predicted, measured, difference: measured - predicted });
    }
  };
  for (const [name, m] of Object.entries(live.metrics)) {
    if ("measured_share" in m) add(`${name} CPU share`, sim.metrics.vsched?.[`${name}.cpu_share`], m.measured_share);
    if ("rate" in m && sim.metrics[name]) add(`${name} supersteps/s`, (sim.metrics[name].supersteps as number) / sim.simulated_s, m.rate);
  }
  const max = Math.max(0.1, ...rows.flatMap((r) => [r.predicted, r.measured])) * 1.05;
  const svg = chart({
    title: "Simulated against live",
    x: { label: "predicted (simulation)", domain: [0, max] },
    y: { label: "measured (live)", domain: [0, max] },
    series: [
      { name: "x = y", points: [[0, 0], [max, max]] },
      { name: "quantities", points: rows.map((r) => [r.predicted, r.measured] as [number, number]), kind: "scatter" },
    ],
  });
  return { rows, csv: toCsv(recordsToRows(rows, ["quantity", "predicted", "measured", "difference"])), svg };
}
