/**
 * A self-contained HTML page for a run or a sweep folder: the scenario, the metrics, every
 * SVG figure inlined (the VTTIF traffic graph among them), and the tables. Nothing is fetched
 * from the network.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCsv } from "./csv-read.js";
import { escape } from "./svg.js";
import { sweepReport } from "./sweep-report.js";

const MAX_ROWS = 200;

export function report(dir: string): string {
  const files = readdirSync(dir).sort();
  if (files.includes("sweep.json")) {
    const sweep = sweepReport(dir);
    const csvs = files.filter((f) => f.endsWith(".csv"));
    if (csvs.length) sweep.parts.push("<h2>Tables</h2>", ...csvs.map((f) => `<details><summary>${escape(f)}</summary>${csvTable(readFileSync(join(dir, f), "utf8"))}</details>`));
    return page(sweep.title, sweep.parts);
  }
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const summary = existsSync(join(dir, "summary.json")) ? JSON.parse(read("summary.json")) : undefined;
  const scenario = existsSync(join(dir, "scenario.json")) ? JSON.parse(read("scenario.json")) : undefined;
  const title = summary?.scenario ?? scenario?.name ?? (files.includes("runs.csv") ? "sweep" : dir);
  const parts: string[] = [`<h1>${escape(String(title))}</h1>`];
  if (scenario?.description) parts.push(`<p class="desc">${escape(scenario.description)}</p>`);
  if (summary) {
    parts.push(`<p class="run-header">${escape(header(summary))}</p>`);
    parts.push("<h2>Metrics</h2>", metricsTable(summary.metrics ?? {}));
  }
  const svgs = files.filter((f) => f.endsWith(".svg"));
  if (svgs.length) {
    parts.push("<h2>Figures</h2>");
    for (const f of svgs) parts.push(`<figure>${read(f).replace(/^<\?xml[^>]*>/, "")}<figcaption>${escape(f)}</figcaption></figure>`);
  }
  const csvs = files.filter((f) => f.endsWith(".csv"));
  if (csvs.length) {
    parts.push("<h2>Tables</h2>");
    for (const f of csvs) parts.push(`<details><summary>${escape(f)}</summary>${csvTable(read(f))}</details>`);
  }
  if (scenario) parts.push("<h2>Scenario</h2>", `<pre>${escape(JSON.stringify(scenario, null, 2))}</pre>`);
  return page(String(title), parts);
}

function page(title: string, parts: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; font-size: 12px; margin: 0.5em 0; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
th { background: #f4f4f4; } td.k { text-align: left; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figcaption { font-size: 11px; color: #666; text-align: center; }
pre { background: #f8f8f8; padding: 1em; font-size: 11px; overflow: auto; }
.desc { max-width: 70em; }
.notice { background: #fff4d6; border-left: 4px solid #e0a800; padding: 0.4em 0.8em; }
.bad { color: #b00; } .missing { color: #888; }
table.grid td.k a { margin-right: 0.4em; }
</style></head><body>
${parts.join("\n")}
</body></html>
`;
}

/** What kind of run this was and how long it took; only the fields the summary has (a live run has no seed or simulated time). */
function header(summary: Record<string, unknown>): string {
  const has = (k: string) => summary[k] !== undefined && summary[k] !== null;
  const bits: string[] = [];
  if (has("backend")) bits.push(`live run, backend ${summary.backend}`);
  if (has("seed")) bits.push(`seed ${summary.seed}`);
  if (has("simulated_s")) bits.push(`${fmt(summary.simulated_s)} simulated seconds`);
  if (has("events")) bits.push(`${summary.events} events`);
  if (has("wall_s")) bits.push(`${fmt(summary.wall_s)} s wall`);
  return bits.join(", ");
}

function metricsTable(metrics: Record<string, Record<string, unknown>>): string {
  const rows = Object.entries(metrics).flatMap(([group, ms]) =>
    Object.entries(ms).map(([k, v]) => `<tr><td class="k">${escape(group)}</td><td class="k">${escape(k)}</td><td>${escape(fmt(v))}</td></tr>`),
  );
  return `<table><tr><th>group</th><th>metric</th><th>value</th></tr>${rows.join("")}</table>`;
}

function csvTable(csv: string): string {
  const [head = [], ...rows] = parseCsv(csv.trim());
  const cells = (r: string[]) => r.map((c) => `<td>${escape(c)}</td>`).join("");
  const body = rows.slice(0, MAX_ROWS).map((r) => `<tr>${cells(r)}</tr>`).join("");
  const more = rows.length > MAX_ROWS ? `<p>${rows.length - MAX_ROWS} more rows in the CSV file</p>` : "";
  return `<table><tr>${head.map((h) => `<th>${escape(h)}</th>`).join("")}</tr>${body}</table>${more}`;
}

function fmt(v: unknown): string {
  return typeof v === "number" ? String(Number.isInteger(v) ? v : Number(v.toPrecision(6))) : String(v);
}
