/**
 * The BSP barrier against an independent model of one superstep, with ranks that differ:
 * hosts of different speeds, a rank slowed by a neighbour VM, and ranks that never send
 * (broadcast receivers, the pipeline's last stage). A barrier that let a superstep end while
 * one rank still computes is only visible when that rank is slow and sends nothing.
 */
import test from "ava";
import fc from "fast-check";
import type { BspApp } from "../../sim/workload/index.js";
import { close, world } from "../platform/world-helpers.js";

const B = 1e8, L = 1e-4;

/** n hosts of the given speeds on one non-blocking switch, one rank VM on each. */
function cluster(speeds: number[], extraVms: { id: string; host: string }[] = []) {
  return {
    platform: {
      hosts: speeds.map((speed, i) => ({ id: `h${i}`, speed })),
      network: { topology: { kind: "switch", bandwidth: B, latency: L } },
    },
    vms: [...speeds.map((_, i) => ({ id: `r${i}`, host: `h${i}` })), ...extraVms],
  };
}

/**
 * One superstep on a switch, from first principles: rank i finishes computing at c[i]; each
 * message pays two link latencies and then its bytes at the bandwidth its sender's uplink
 * leaves it (no two of these patterns share a downlink). The barrier falls when every rank
 * has computed and every message has arrived.
 */
function superstep(pattern: string, c: number[], m: number): number {
  const n = c.length;
  const wire = (concurrent: number) => 2 * L + (concurrent * m) / B;
  let last = Math.max(...c);
  if (pattern === "ring") for (let i = 0; i < n; i++) last = Math.max(last, c[i] + wire(1));
  if (pattern === "broadcast") last = Math.max(last, c[0] + wire(n - 1));
  if (pattern === "pipeline") {
    // Rank i forwards once it has computed and heard from rank i-1.
    let arrival = 0;
    for (let i = 0; i + 1 < n; i++) arrival = Math.max(c[i], arrival) + wire(1);
    last = Math.max(last, arrival);
  }
  return last;
}

function runApp(doc: Record<string, unknown>, spec: Record<string, unknown>, until?: number): BspApp {
  const { sim, models } = world({ ...doc, workloads: [{ kind: "bsp", id: "app", ...spec }] });
  sim.run(until === undefined ? {} : { until });
  return models[0] as BspApp;
}

test("a slow rank that sends nothing holds the barrier: broadcast receiver and pipeline tail", (t) => {
  // Rank 3 computes 4 s; the messages are done long before.
  const speeds = [1e9, 1e9, 1e9, 0.25e9];
  for (const pattern of ["broadcast", "pipeline"]) {
    const app = runApp(cluster(speeds), { vms: ["r0", "r1", "r2", "r3"], pattern, messageBytes: 1e5, computeOps: 1e9, supersteps: 3 });
    t.is(app.steps.length, 3);
    for (const s of app.steps) t.true(close(s.end - s.start, 4), `${pattern}: ${s.end - s.start}`);
  }
});

test("superstep times match the model for random speeds, sizes and patterns, over many supersteps", (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom("ring", "broadcast", "pipeline"),
      fc.array(fc.double({ min: 1e8, max: 4e9, noNaN: true }), { minLength: 2, maxLength: 7 }),
      fc.double({ min: 1e3, max: 5e8, noNaN: true }),
      fc.double({ min: 0, max: 50, noNaN: true }),
      (pattern, speeds, messageBytes, start) => {
        const C = 1e9, steps = 40;
        const app = runApp(cluster(speeds), { vms: speeds.map((_, i) => `r${i}`), pattern, messageBytes, computeOps: C, supersteps: steps, start });
        const T = superstep(pattern, speeds.map((s) => C / s), messageBytes);
        if (app.steps.length !== steps || !app.metrics().finished) return false;
        // Every superstep takes T and starts when the last one ends: the k-th ends at start + (k+1) T.
        return app.steps.every((s, k) => close(s.end - s.start, T, 1e-9) && close(s.end, start + (k + 1) * T, 1e-9) && (k === 0 ? s.start === start : s.start === app.steps[k - 1].end));
      },
    ),
    { numRuns: 60 },
  );
  t.pass();
});

test("a rank sharing its core with a batch VM computes at half speed and sets the pace of a ring", (t) => {
  const doc = cluster([1e9, 1e9, 1e9, 1e9], [{ id: "hog", host: "h2" }]);
  const { sim, models } = world({
    ...doc,
    workloads: [
      { kind: "bsp", id: "app", vms: ["r0", "r1", "r2", "r3"], pattern: "ring", messageBytes: 1e6, computeOps: 1e9, supersteps: 10 },
      { kind: "batch", id: "b", vm: "hog" },
    ],
  });
  sim.run({ until: 100 });
  const app = models[0] as BspApp;
  t.is(app.done, 10);
  // r2 gets half of h2 (2 s of compute); its message then takes 2 L + m / B.
  for (const s of app.steps) t.true(close(s.end - s.start, 2 + 2 * L + 1e6 / B), `${s.end - s.start}`);
  t.true(close(app.metrics().runtime_s as number, 10 * (2 + 2 * L + 1e6 / B)));
});

test("mean superstep time and message count are those of the supersteps that ran", (t) => {
  const speeds = [2e9, 1e9, 0.5e9];
  const app = runApp(cluster(speeds), { vms: ["r0", "r1", "r2"], pattern: "broadcast", messageBytes: 1e6, computeOps: 1e9, supersteps: 5 });
  const m = app.metrics();
  t.is(m.supersteps, 5);
  t.is(m.messages_per_superstep, 2);
  t.true(close(m.mean_superstep_s as number, superstep("broadcast", [0.5, 1, 2], 1e6)));
});
