/**
 * Metrics in long ("tidy") form: one row per (component, entity, metric) with its unit, so
 * pandas, R or Polars read them without splitting column names. `summary.json` keeps the
 * nested form; this is the same numbers.
 */
import { toCsv, type Cell } from "./csv.js";

export interface TidyRow {
  component: string;
  entity: string;
  metric: string;
  value: number | string | boolean;
  unit: string;
}

/** Units by the metric's name, the project's naming convention; "" where no unit applies (labels, ratios not listed). */
const rules: [RegExp, string][] = [
  [/ops_s$/, "ops/s"],
  [/^ops$/, "ops"],
  [/_ms$/, "ms"],
  [/(_s|^t)$/, "s"],
  [/bytes$/, "B"],
  [/speedup$/, "ratio"],
  [/(share|utilization|miss_rate|confidence|offered_load|^target)$/, "fraction"],
  [/^(periods|misses|supersteps|reports|dispatches|events|ranks|pings|runs|cells|cells_without_misses|cases|instances|configurations|windows|migrations|requests|requested|ready|observed|pairs|estimates|dampings|customers|lps|messages_per_superstep|correct_with_noise|correct_without_noise)$/, "count"],
  [/_migrations$/, "count"],
  [/^events_per_lp$|^max_lp_events$/, "count"],
];

export function unitOf(metric: string, value: unknown): string {
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string") return "";
  for (const [re, unit] of rules) if (re.test(metric)) return unit;
  return "";
}

/**
 * Splits a summary key such as `vm0.cpu_share` into entity and metric: a leading or trailing
 * segment that names a known entity (VM, host, workload) is the entity; otherwise the
 * component itself is.
 */
export function tidyMetrics(metrics: Record<string, Record<string, unknown>>, entities: ReadonlySet<string>): TidyRow[] {
  const rows: TidyRow[] = [];
  for (const [component, ms] of Object.entries(metrics)) {
    for (const [key, value] of Object.entries(ms)) {
      if (typeof value !== "number" && typeof value !== "string" && typeof value !== "boolean") continue;
      const parts = key.split(".");
      let entity = component, metric = key;
      if (parts.length > 1 && entities.has(parts[0])) [entity, metric] = [parts[0], parts.slice(1).join(".")];
      else if (parts.length > 1 && entities.has(parts[parts.length - 1])) [entity, metric] = [parts[parts.length - 1], parts.slice(0, -1).join(".")];
      rows.push({ component, entity, metric, value, unit: unitOf(metric, value) });
    }
  }
  return rows;
}

export function tidyCsv(rows: readonly TidyRow[]): string {
  return toCsv([["component", "entity", "metric", "value", "unit"], ...rows.map((r) => [r.component, r.entity, r.metric, r.value, r.unit] as Cell[])]);
}
