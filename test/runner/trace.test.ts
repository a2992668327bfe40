import test from "ava";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { csvRecords } from "../../analysis/csv-read.js";
import { traceEvents } from "../../analysis/trace-events.js";
import { Timeline } from "../../sim/kernel/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import { cli, root, tempDir } from "../helpers.js";
import { readTrace as read } from "../trace-reader.js";

test("a VSched run's trace: one core track whose slices give each VM exactly its slice in every period", (t) => {
  const dir = tempDir();
  const trace = join(dir, "t.json");
  const r = cli("run", "scenarios/live-vsched.json", "--out", join(dir, "run"), "-q", "--trace", trace);
  t.is(r.code, 0, r.stderr);
  const { doc, slices, instants, unclosed } = read(trace);
  t.is(doc.otherData.source, "simulation");
  t.is(unclosed, 0);
  const core = slices.get("host h/core 0")!;
  t.deepEqual([...slices.keys()], ["host h/core 0"], "one host with one core");
  // Slices on a core never overlap.
  for (let i = 1; i < core.length; i++) t.true(core[i].t0 >= core[i - 1].t1 - 1e-9, `overlap at ${core[i].t0}`);
  // Every reservation is marked on its VM's track, and the (period, slice) it names is what the core gave:
  // utilization 0.7 <= 1, so EDF meets every deadline and each always-runnable VM gets exactly its slice.
  const reservations = JSON.parse(readFileSync(join(root, "scenarios", "live-vsched.json"), "utf8")).policies.vsched.reservations as { vm: string; period: number; slice: number }[];
  for (const res of reservations) {
    const [mark] = instants.get(`VMs/${res.vm}`)!;
    t.is(mark.name, "reserve");
    t.is(mark.args.period_s, res.period);
    const mine = core.filter((s) => s.name === res.vm);
    const periods = Math.round(10 / res.period);
    for (let k = 0; k < periods; k++) {
      const a = k * res.period, b = (k + 1) * res.period;
      const got = mine.reduce((n, s) => n + Math.max(0, Math.min(b, s.t1) - Math.max(a, s.t0)), 0);
      if (Math.abs(got - res.slice) > 1e-6) return t.fail(`${res.vm} period ${k}: got ${got}, reserved ${res.slice}`);
    }
  }
  t.false(core.some((s) => s.name === "batch"), "the unreserved VM is never dispatched");
});

test("tracing changes no output, and the trace is byte-identical between runs", (t) => {
  const scenario = loadScenario(join(root, "scenarios", "live-vsched.json"));
  const traced = () => {
    const timeline = new Timeline();
    const r = runScenario(scenario, { timeline });
    return { files: r.stage("x").files, trace: traceEvents(timeline.events, { scenario: scenario.name, source: "simulation" }) };
  };
  const a = traced(), b = traced();
  t.is(a.trace, b.trace);
  t.true(a.trace.length > 10_000);
  t.deepEqual(a.files, runScenario(scenario).stage("x").files);
});

test("an adapting run's trace holds VTTIF reports, VADAPT decisions with predicted and realised gain, migrations and flows", (t) => {
  const dir = tempDir();
  const s = JSON.parse(readFileSync(join(root, "scenarios", "vadapt-wan.json"), "utf8"));
  delete s.experiment;
  delete s.$schema;
  Object.assign(s, { name: "adapt-trace", duration: 120 });
  s.policies.adapt.enabled = true;
  s.workloads[0].supersteps = 40;
  const scenario = join(dir, "s.json");
  writeFileSync(scenario, JSON.stringify(s));
  const trace = join(dir, "t.json");
  const r = cli("run", scenario, "--out", join(dir, "run"), "-q", "--trace", trace);
  t.is(r.code, 0, r.stderr);
  const { slices, instants, spans, unclosed } = read(trace);
  const reports = csvRecords(readFileSync(join(dir, "run", "vttif.reports.csv"), "utf8"));
  t.is(instants.get("policies/VTTIF")!.length, reports.length);
  const decisions = csvRecords(readFileSync(join(dir, "run", "adapt.decisions.csv"), "utf8"));
  const vadapt = instants.get("policies/VADAPT")!;
  t.is(vadapt.length, decisions.length);
  t.true(vadapt.length > 0);
  for (const [i, d] of vadapt.entries()) {
    t.is(d.t, Number(decisions[i].t));
    t.is(d.args.predicted_gain, Number(decisions[i].gain));
    if (Number(decisions[i].rate_before) > 0 && decisions[i].rate_after !== "nan") t.true(Math.abs((d.args.realised_gain as number) - (Number(decisions[i].rate_after) / Number(decisions[i].rate_before) - 1)) < 1e-12);
  }
  // Each migration is a slice on its VM's track, from its start to its end.
  const migrations = csvRecords(readFileSync(join(dir, "run", "migrations.csv"), "utf8"));
  t.true(migrations.length > 0);
  for (const m of migrations) {
    const sl = slices.get(`VMs/${m.vm}`)!.find((x) => x.name === `migrate ${m.from} → ${m.to}`)!;
    t.true(Math.abs(sl.t0 - Number(m.start)) < 1e-6 && Math.abs(sl.t1 - Number(m.end)) < 1e-6, m.vm);
  }
  // Flows are async spans that close, and the run wrote no flows table it was not asked for.
  t.is(unclosed, 0);
  t.true(spans.length > 0);
  t.true(spans.every((f) => f.t1 >= f.t0 && f.track.startsWith("flows/")));
  t.false(existsSync(join(dir, "run", "flows.csv")));
});
