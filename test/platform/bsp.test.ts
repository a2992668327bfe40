import test from "ava";
import fc from "fast-check";
import { patternNames, patternPhases, type BspApp } from "../../sim/workload/index.js";
import { close, crossbar, world } from "./world-helpers.js";

const bsp = (n: number, pattern: string, extra: Record<string, unknown> = {}) => ({
  kind: "bsp",
  id: "app",
  vms: Array.from({ length: n }, (_, i) => `vm${i}`),
  pattern,
  messageBytes: 1e6,
  computeOps: 1e9,
  supersteps: 3,
  ...extra,
});

function run(n: number, pattern: string, bw = 125e6, lat = 50e-6) {
  const { sim, models } = world({ ...crossbar(n, bw, lat), workloads: [bsp(n, pattern)] });
  sim.run();
  return models[0] as BspApp;
}

test("ring superstep on a crossbar = compute + 2 link latencies + message / bandwidth", (t) => {
  for (const n of [2, 5, 16]) {
    const app = run(n, "ring");
    t.is(app.steps.length, 3);
    for (const s of app.steps) t.true(close(s.end - s.start, 1 + 2 * 50e-6 + 1e6 / 125e6), `${n}: ${s.end - s.start}`);
  }
});

test("all-to-all on a crossbar is limited by each host link carrying N-1 messages", (t) => {
  for (const n of [2, 4, 9]) {
    const app = run(n, "all-to-all");
    for (const s of app.steps) t.true(close(s.end - s.start, 1 + 2 * 50e-6 + ((n - 1) * 1e6) / 125e6), `${n}: ${s.end - s.start}`);
  }
});

test("tree reduce-then-broadcast pays one level time per level, each way", (t) => {
  const n = 7; // depth 2
  const app = run(n, "tree");
  // Two children per parent share the parent's downlink in the reduce, and its uplink in the broadcast.
  const level = 2 * 50e-6 + 2e6 / 125e6;
  for (const s of app.steps) t.true(close(s.end - s.start, 1 + 4 * level), `${s.end - s.start}`);
});

test("every pattern is a connected exchange whose messages never leave the ranks", (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...patternNames), fc.integer({ min: 2, max: 40 }), (pattern, n) => {
      const phases = patternPhases(pattern, n);
      const seen = new Set<number>();
      for (const phase of phases) for (const [s, d] of phase) {
        if (s === d || s < 0 || d < 0 || s >= n || d >= n) return false;
        seen.add(s).add(d);
      }
      return seen.size === n;
    }),
  );
  t.pass();
});

test("a BSP run finishes all its supersteps and reports runtime", (t) => {
  const app = run(4, "mesh");
  const m = app.metrics();
  t.is(m.supersteps, 3);
  t.true(m.finished as boolean);
  t.true(close(m.runtime_s as number, app.steps[2].end));
});
