/**
 * What a run's output folder holds, checked against what the model did: trace tables row by
 * row, platform tables against the traffic and CPU the workload implies, and `outputs` choosing
 * exactly the tables and figures that are written.
 */
import test from "ava";
import { runScenario, type RunResult } from "../../sim/runner/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import type { BspApp } from "../../sim/workload/index.js";
import { csvRecords } from "../helpers.js";
import { close } from "../platform/world-helpers.js";

const B = 1e8, L = 1e-4, m = 2e6, steps = 7, D = 500;

function run(outputs?: Record<string, unknown>): { r: RunResult; files: Map<string, string> } {
  const s = parseScenario({
    name: "outputs",
    duration: D,
    seed: 3,
    platform: { hosts: [{ id: "h", count: 3 }], network: { topology: { kind: "switch", bandwidth: B, latency: L } } },
    vms: [0, 1, 2].map((i) => ({ id: `r${i}`, host: `h${i}` })),
    workloads: [
      { kind: "bsp", id: "app", vms: ["r0", "r1", "r2"], pattern: "ring", messageBytes: m, computeOps: 1e9, supersteps: steps },
      { kind: "mm1", id: "q", arrivalRate: 0.9, serviceRate: 1, warmup: 0 },
    ],
    ...(outputs ? { outputs } : {}),
  });
  const r = runScenario(s);
  return { r, files: r.stage("/nonexistent").files };
}

const full = run();

/** Tables and figures written; summary.json and scenario.json are always there. */
function written(files: Map<string, string>): string[] {
  // metrics.csv is the summary in long form: written with summary.json, whatever outputs.tables says.
  if (!files.has("summary.json") || !files.has("scenario.json") || !files.has("metrics.csv")) return ["(summary.json, metrics.csv or scenario.json missing)"];
  return [...files.keys()].filter((n) => n !== "metrics.csv" && (n.endsWith(".csv") || n.endsWith(".svg"))).sort();
}

test("the supersteps table has one row per superstep, with the times the application saw", (t) => {
  const app = full.r.models.get("app") as BspApp;
  const rows = csvRecords(full.files.get("app.supersteps.csv")!);
  t.is(app.steps.length, steps);
  t.is(rows.length, steps);
  rows.forEach((row, k) => {
    t.is(Number(row.step), k);
    t.is(Number(row.start), app.steps[k].start);
    t.is(Number(row.end), app.steps[k].end);
    t.true(close(Number(row.duration), 1 + 2 * L + m / B));
  });
});

test("the customers table holds every departure, and its sojourns average to the reported mean", (t) => {
  const q = full.r.summary.metrics.q;
  const rows = csvRecords(full.files.get("q.customers.csv")!);
  t.true((q.served as number) > 300);
  t.is(rows.length, q.served as number);
  const sojourn = rows.reduce((s, r) => s + Number(r.depart) - Number(r.arrive), 0) / rows.length;
  t.true(close(sojourn, q.mean_sojourn_s as number, 1e-9));
  // Departures are written as they happen.
  for (let k = 1; k < rows.length; k++) t.true(Number(rows[k].depart) >= Number(rows[k - 1].depart));
  t.true(Number(rows[rows.length - 1].depart) <= D);
});

test("the occupancy table has a row per arrival and per departure, ending at the number still inside", (t) => {
  const served = full.r.summary.metrics.q.served as number;
  const rows = csvRecords(full.files.get("q.occupancy.csv")!).map((r) => Number(r.in_system));
  let level = 0;
  for (const x of rows) {
    t.is(Math.abs(x - level), 1);
    level = x;
  }
  // arrivals + departures = (served + still inside) + served.
  t.is(rows.length, 2 * served + level);
});

test("links.csv carries each ring message once per direction, and hosts.csv the CPU it used", (t) => {
  const links = csvRecords(full.files.get("links.csv")!);
  t.deepEqual(links.map((l) => l.resource), full.r.world.topo.resourceNames);
  t.is(links.length, 6);
  for (const l of links) {
    t.is(Number(l.capacity), B);
    t.true(close(Number(l.bytes), steps * m), `${l.resource}: ${l.bytes}`);
    t.true(close(Number(l.utilization), (steps * m) / (B * D)));
  }
  const hosts = csvRecords(full.files.get("hosts.csv")!);
  t.deepEqual(hosts.map((h) => h.host), ["h0", "h1", "h2"]);
  for (const h of hosts) t.true(close(Number(h.utilization), steps / D), `${h.host}: ${h.utilization}`);
});

test("by default every table and every figure is written", (t) => {
  t.deepEqual(written(full.files), ["app.supersteps.csv", "app.supersteps.svg", "hosts.csv", "links.csv", "q.customers.csv", "q.occupancy.csv", "q.occupancy.svg", "topology.svg"]);
  for (const [name, text] of full.files) if (name.endsWith(".svg")) t.regex(text, /^<svg/, name);
});

test("outputs.tables writes only the tables it names, trace and platform alike; figures: false writes no SVG", (t) => {
  const { files } = run({ tables: ["q.customers", "hosts"], figures: false });
  t.deepEqual(written(files), ["hosts.csv", "q.customers.csv"]);
  // The chosen tables are the same as in a full run, and so are the metrics.
  t.is(files.get("q.customers.csv"), full.files.get("q.customers.csv"));
  t.is(files.get("hosts.csv"), full.files.get("hosts.csv"));
  t.deepEqual(JSON.parse(files.get("summary.json")!).metrics, JSON.parse(full.files.get("summary.json")!).metrics);
});

test("outputs.tables: [] writes no CSV, and the figures are still drawn", (t) => {
  const { files } = run({ tables: [] });
  t.deepEqual(written(files), ["app.supersteps.svg", "q.occupancy.svg", "topology.svg"]);
  t.is(files.get("q.occupancy.svg"), full.files.get("q.occupancy.svg"));
});
