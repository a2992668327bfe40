import test from "ava";
import fc from "fast-check";
import { csvRecords } from "../../analysis/csv-read.js";
import { tidyCsv, tidyMetrics, unitOf } from "../../analysis/tidy.js";
import { cli, tempDir } from "../helpers.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

test("tidy rows split a key on a known entity and lose nothing: the nested form is rebuilt exactly", (t) => {
  const entities = ["vm0", "vm1", "h0", "app"];
  const key = fc.oneof(
    fc.tuple(fc.constantFrom(...entities), fc.constantFrom("cpu_share", "misses", "periods")).map(([e, m]) => `${e}.${m}`),
    fc.tuple(fc.constantFrom("topology"), fc.constantFrom(...entities)).map(([m, e]) => `${m}.${e}`),
    fc.constantFrom("reports", "dispatches", "runtime_s"),
  );
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom("vsched", "vttif", "app"), fc.dictionary(key, fc.oneof(fc.double({ noNaN: true }), fc.boolean(), fc.constantFrom("ring", "mesh")))), (metrics) => {
      const rows = tidyMetrics(metrics, new Set(entities));
      // Each row names exactly one original key (entity before or after the metric, or none), with its value.
      const seen = new Set<string>();
      for (const r of rows) {
        const candidates = [r.entity === r.component ? r.metric : undefined, `${r.entity}.${r.metric}`, `${r.metric}.${r.entity}`].filter((k): k is string => k !== undefined && k in metrics[r.component]);
        if (candidates.length === 0 || !Object.is(metrics[r.component][candidates[0]], r.value)) return false;
        seen.add(`${r.component}/${candidates[0]}`);
      }
      const total = Object.values(metrics).reduce((n, m) => n + Object.keys(m).length, 0);
      return rows.length === total && seen.size === total;
    }),
  );
  const rows = tidyMetrics({ vsched: { "vm0.cpu_share": 0.25, dispatches: 9 }, vttif: { "topology.app": "ring" } }, new Set(entities));
  t.deepEqual(rows, [
    { component: "vsched", entity: "vm0", metric: "cpu_share", value: 0.25, unit: "fraction" },
    { component: "vsched", entity: "vsched", metric: "dispatches", value: 9, unit: "count" },
    { component: "vttif", entity: "app", metric: "topology", value: "ring", unit: "" },
  ]);
  t.is(tidyCsv(rows).split("\n")[0], "component,entity,metric,value,unit");
});

test("units follow the metric's name", (t) => {
  t.is(unitOf("runtime_s", 1), "s");
  t.is(unitOf("timer_error_p99_ms", 1), "ms");
  t.is(unitOf("throughput_ops_s", 1), "ops/s");
  t.is(unitOf("control_bytes", 1), "B");
  t.is(unitOf("miss_rate", 1), "fraction");
  t.is(unitOf("finished", true), "bool");
  t.is(unitOf("topology", "ring"), "");
});

test("a run writes metrics.csv beside summary.json with every metric of it", (t) => {
  const out = join(tempDir(), "run");
  t.is(cli("run", "scenarios/demo.json", "--out", out, "-q").code, 0);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).metrics as Record<string, Record<string, unknown>>;
  const rows = csvRecords(readFileSync(join(out, "metrics.csv"), "utf8"));
  t.is(rows.length, Object.values(summary).reduce((n, m) => n + Object.keys(m).length, 0));
  for (const r of rows) {
    const v = summary[r.component][r.entity === r.component ? r.metric : `${r.entity}.${r.metric}`];
    t.is(r.value, v === null ? "nan" : String(v), `${r.component} ${r.metric}`);
  }
});
