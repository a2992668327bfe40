/**
 * A sweep's page: every metric plotted against every swept parameter (mean over
 * replications with 95% Student-t intervals; one line per value of the other parameters),
 * the grid with links to each run's own report, failed runs with their errors, and a notice
 * where replications came out identical.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chart, type Series } from "./chart.js";
import { cellNumber, csvRecords } from "./csv-read.js";
import { escape } from "./svg.js";
import { unitOf } from "./tidy.js";

interface Manifest {
  file: string;
  grid: { path: string; values: unknown[] }[];
  reps: number;
  runs: { id: string; point: number; rep: number; seed: number; values: Record<string, unknown> }[];
}

/** At most this many lines per plot: past it a figure is unreadable; the table has the rest. */
const MAX_LINES = 10;

export interface SweepPage {
  title: string;
  parts: string[];
}

export function sweepReport(dir: string): SweepPage {
  const manifest = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8")) as Manifest;
  const runs = existsSync(join(dir, "runs.csv")) ? csvRecords(readFileSync(join(dir, "runs.csv"), "utf8")) : [];
  const summary = existsSync(join(dir, "summary.csv")) ? csvRecords(readFileSync(join(dir, "summary.csv"), "utf8")) : [];
  const status = new Map(runs.map((r) => [r.id, r]));
  const name = scenarioName(dir, manifest);
  const failed = runs.filter((r) => r.status === "failed");
  const parts: string[] = [`<h1>Sweep: ${escape(name)}</h1>`];
  parts.push(`<p>${escape(manifest.file)}; ${manifest.runs.length} runs: ${manifest.grid.length ? `${pointCount(manifest)} grid points` : "one point"} × ${manifest.reps} replications; ${runs.length - failed.length} finished, ${failed.length} failed${runs.length < manifest.runs.length ? `, ${manifest.runs.length - runs.length} not yet run` : ""}.</p>`);
  const stats = metricStats(summary);
  parts.push(...notices(stats, manifest));
  if (failed.length) {
    parts.push(`<h2>Failed runs</h2><table class="failed"><tr><th>run</th><th>error</th></tr>${failed.map((r) => `<tr><td class="k">${escape(r.id)}</td><td class="k">${escape(r.error)}</td></tr>`).join("")}</table>`);
  }
  parts.push("<h2>Grid</h2>", gridTable(dir, manifest, status));
  parts.push(...plots(manifest, summary, stats));
  return { title: `sweep ${name}`, parts };
}

function pointCount(m: Manifest): number {
  return new Set(m.runs.map((r) => r.point)).size;
}

function scenarioName(dir: string, m: Manifest): string {
  for (const r of m.runs) {
    const f = join(dir, "runs", r.id, "summary.json");
    if (existsSync(f)) {
      try {
        return String(JSON.parse(readFileSync(f, "utf8")).scenario);
      } catch {
        // An unreadable run summary: fall back to the file name.
      }
    }
  }
  return m.file.split("/").pop() ?? m.file;
}

interface MetricStats {
  /** Points where at least two replications gave exactly the same value. */
  identical: number[];
  /** Points with at least two replications. */
  replicated: number;
  /** The mean differs between points, or replications differ. */
  varies: boolean;
}

function metricStats(summary: Record<string, string>[]): Map<string, MetricStats> {
  const out = new Map<string, MetricStats>();
  const means = new Map<string, Set<number>>();
  for (const row of summary) {
    let s = out.get(row.metric);
    if (!s) out.set(row.metric, (s = { identical: [], replicated: 0, varies: false }));
    const n = cellNumber(row.n), sd = cellNumber(row.sd);
    if (n > 1) {
      s.replicated++;
      if (sd === 0) s.identical.push(cellNumber(row.point));
      else s.varies = true;
    }
    let ms = means.get(row.metric);
    if (!ms) means.set(row.metric, (ms = new Set()));
    ms.add(cellNumber(row.mean));
  }
  for (const [m, ms] of means) if (ms.size > 1) out.get(m)!.varies = true;
  return out;
}

/**
 * Replications that agree exactly: expected for a metric the seed does not reach (a
 * parameter echoed back, a deterministic model), a warning sign otherwise. Every metric
 * whose replications agree at every replicated point is named, and the sweep as a whole is
 * flagged when that holds for all of them.
 */
function notices(stats: Map<string, MetricStats>, m: Manifest): string[] {
  if (m.reps < 2) return [];
  const same = [...stats].filter(([, s]) => s.replicated > 0 && s.identical.length === s.replicated).map(([k]) => k);
  const some = [...stats].filter(([, s]) => s.identical.length > 0 && s.identical.length < s.replicated);
  const out: string[] = [];
  if (same.length && same.length === stats.size) {
    out.push(`<p class="notice">Notice: every metric came out identical in every replication (standard deviation 0). The replications' seeds do not seem to reach the model: its confidence intervals say nothing.</p>`);
  } else if (same.length) {
    out.push(`<p class="notice">Notice: replications are identical (standard deviation 0) at every point for ${same.length} metric${same.length > 1 ? "s" : ""}: ${same.map(escape).join(", ")}. Expected where a metric does not depend on randomness; otherwise the seed does not reach it.</p>`);
  }
  for (const [k, s] of some) out.push(`<p class="notice">Notice: ${escape(k)}: replications identical at point${s.identical.length > 1 ? "s" : ""} ${s.identical.join(", ")}.</p>`);
  return out;
}

function gridTable(dir: string, m: Manifest, status: Map<string, Record<string, string>>): string {
  const paths = m.grid.map((g) => g.path);
  const points = [...new Set(m.runs.map((r) => r.point))].sort((a, b) => a - b);
  const rows = points.map((p) => {
    const mine = m.runs.filter((r) => r.point === p);
    const links = mine.map((r) => {
      const st = status.get(r.id)?.status ?? "not run";
      const page = existsSync(join(dir, "runs", r.id, "index.html")) ? `runs/${r.id}/index.html` : existsSync(join(dir, "runs", r.id, "summary.json")) ? `runs/${r.id}/summary.json` : undefined;
      const label = `r${r.rep}`;
      return page ? `<a href="${escape(page)}" title="${escape(`${r.id}, seed ${r.seed}`)}">${label}</a>` : `<span class="${st === "failed" ? "bad" : "missing"}" title="${escape(`${r.id}: ${st}`)}">${label} ${escape(st)}</span>`;
    });
    const cells = paths.map((path) => `<td>${escape(JSON.stringify(mine[0].values[path]))}</td>`).join("");
    return `<tr><td>${p}</td>${cells}<td class="k">${links.join(" ")}</td></tr>`;
  });
  return `<table class="grid"><tr><th>point</th>${paths.map((p) => `<th>${escape(p)}</th>`).join("")}<th>runs</th></tr>${rows.join("")}</table>`;
}

function plots(m: Manifest, summary: Record<string, string>[], stats: Map<string, MetricStats>): string[] {
  if (m.grid.length === 0 || summary.length === 0) return [];
  const metrics = [...stats.keys()];
  const flat = metrics.filter((k) => !stats.get(k)!.varies);
  const out: string[] = ["<h2>Metrics against the swept parameters</h2>", "<p>Mean over replications; bars: 95% Student-t confidence interval (none with one replication).</p>"];
  if (flat.length) out.push(`<p>Constant over the whole sweep, not plotted: ${flat.map(escape).join(", ")}.</p>`);
  for (const metric of metrics.filter((k) => stats.get(k)!.varies)) {
    const rows = summary.filter((r) => r.metric === metric);
    for (const axis of m.grid) {
      const svg = plot(metric, axis, m.grid.filter((g) => g !== axis), rows);
      out.push(`<figure class="sweep-plot">${svg}<figcaption>${escape(metric)} against ${escape(axis.path)}</figcaption></figure>`);
    }
  }
  return out;
}

function plot(metric: string, axis: Manifest["grid"][number], others: Manifest["grid"], rows: Record<string, string>[]): string {
  const keys = axis.values.map((v) => JSON.stringify(v));
  const numeric = axis.values.every((v) => typeof v === "number" && Number.isFinite(v));
  const xOf = (cell: string) => (numeric ? Number(JSON.parse(cell)) : keys.indexOf(cell));
  const groups = new Map<string, Record<string, string>[]>();
  for (const r of rows) {
    const key = others.map((o) => `${o.path}=${r[o.path]}`).join(", ");
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const series: Series[] = [...groups].slice(0, MAX_LINES).map(([key, g]) => {
    const sorted = g.filter((r) => keys.includes(r[axis.path])).sort((a, b) => keys.indexOf(a[axis.path]) - keys.indexOf(b[axis.path]));
    return {
      name: key || metric,
      points: sorted.map((r) => [xOf(r[axis.path]), cellNumber(r.mean)] as [number, number]),
      errors: sorted.map((r) => [cellNumber(r.ci95_lo), cellNumber(r.ci95_hi)] as [number, number]),
      markers: true,
    };
  });
  // Units follow the metric's name, as in metrics.csv; boolean metrics were averaged as 0/1.
  const unit = unitOf(metric.split(".").pop()!, 0);
  const more = groups.size > MAX_LINES ? ` (first ${MAX_LINES} of ${groups.size} lines)` : "";
  return chart({
    title: `${metric}${more}`,
    x: numeric ? { label: axis.path, zero: false } : { label: axis.path, categories: keys },
    y: { label: `${metric.split(".").pop()}${unit ? ` (${unit})` : ""}, mean ± 95% CI` },
    series,
    width: 340,
    height: 240,
  }).replace(/^<\?xml[^>]*>/, "");
}
