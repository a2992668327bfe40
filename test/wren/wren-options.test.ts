/**
 * Wren's latency and sample ageing: unit checks on hand-made transfers with noise off, and
 * the whole pipeline (overlay messages -> Wren -> wren.estimates) against the path's latency.
 */
import test from "ava";
import { Simulation } from "../../sim/kernel/index.js";
import type { Clock, TransferObservation, TransferSource } from "../../sim/ports/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import { Wren, type WrenParams } from "../../sim/wren/index.js";
import { csvRecords } from "../helpers.js";
import { close } from "../platform/world-helpers.js";

function wren(params: Partial<WrenParams> = {}) {
  const clock = { now: 0 } as Clock & { now: number };
  let emit: (o: TransferObservation) => void = () => undefined;
  const source: TransferSource = { observe: (fn) => (emit = fn) };
  const w = new Wren(clock, source, new Simulation(1).rng("wren"), { minBytes: 65536, smallBytes: 2048, noise: 0, window: 9, maxAge: 30, ...params });
  const send = (bytes: number, start: number, duration: number, src = "a", dst = "b") => {
    clock.now = start + duration;
    emit({ srcVm: "x", dstVm: "y", srcHost: src, dstHost: dst, bytes, start, end: start + duration, latency: NaN });
  };
  return { w, clock, send };
}

test("latency is the median of recent small-transfer times; big transfers give none", (t) => {
  const { w, send } = wren();
  send(100, 0, 0.012);
  send(2048, 1, 0.009);
  send(500, 2, 0.015);
  send(1e6, 3, 0.012 + 1e6 / 1e8); // a bandwidth sample only
  const e = w.estimate("a", "b");
  t.true(close(e.latency, 0.012, 1e-12));
  t.is(e.samples, 4);
  // Direction matters: nothing was sent b -> a.
  t.true(Number.isNaN(w.estimate("b", "a").latency));
});

test("bandwidth samples subtract the measured latency: bytes over transmission time, median of the window", (t) => {
  const { w, send } = wren({ window: 5 });
  send(100, 0, 0.01);
  const rates = [2e7, 5e7, 1e8, 3e7, 9e7, 6e7, 4e7];
  rates.forEach((r, i) => send(1e6, 1 + i, 0.01 + 1e6 / r));
  // The window keeps the last 5 bandwidth samples (3e7 9e7 6e7 4e7 and 1e8): median 6e7.
  t.true(close(w.estimate("a", "b").bandwidth, 6e7, 1e-9));
  t.is(w.estimate("a", "b").latency, 0.01);
});

test("samples older than maxAge are forgotten; age is the time since the newest", (t) => {
  const { w, clock, send } = wren({ maxAge: 10 });
  send(100, 0, 0.01); // at 0.01
  send(1e6, 4, 0.01 + 1e6 / 5e7); // at 4.03
  clock.now = 9;
  let e = w.estimate("a", "b");
  t.is(e.samples, 2);
  t.true(close(e.age, 9 - 4.03));
  clock.now = 12;
  e = w.estimate("a", "b");
  t.is(e.samples, 1, "the latency sample from 0.01 is over 10 s old");
  t.true(Number.isNaN(e.latency));
  t.true(close(e.bandwidth, 5e7));
  clock.now = 14.1;
  e = w.estimate("a", "b");
  t.is(e.samples, 0);
  t.true(Number.isNaN(e.bandwidth));
  t.deepEqual(w.table(), []);
});

test("through the overlay, Wren's latency is the path's one-way latency, and its table forgets a silent pair after maxAge", (t) => {
  const L = 1e-3, F = 5e-4, B = 1e8, maxAge = 5;
  const s = parseScenario({
    name: "t",
    duration: 30,
    platform: {
      hosts: [{ id: "h", count: 3 }],
      network: { topology: { kind: "switch", bandwidth: B, latency: L } },
      overlay: { enabled: true, proxy: "h0", forwardLatency: F },
    },
    vms: [{ id: "a", host: "h1" }, { id: "b", host: "h2" }],
    // Six supersteps of small messages both ways, then silence.
    workloads: [{ kind: "bsp", id: "app", vms: ["a", "b"], pattern: "ring", messageBytes: 100, computeOps: 1e9, supersteps: 6 }],
    policies: { wren: { enabled: true, noise: 0, maxAge, exportInterval: 1 } },
  });
  const r = runScenario(s);
  const last = r.summary.metrics.app.runtime_s as number;
  t.true(last > 6 && last < 7);
  const est = (r.models.get("wren") as unknown as { wren: Wren }).wren;
  // h1 -> h0 -> h2: two switch routes and three daemons, plus 100 bytes at B / 2, as the
  // two ranks' messages cross the Proxy's links at once.
  const oneWay = 4 * L + 3 * F + 100 / (B / 2);
  for (const row of csvRecords(r.stage("/nonexistent").files.get("wren.estimates.csv")!)) {
    t.true(close(Number(row.latency), oneWay, 1e-9), `${row.t}: ${row.latency}`);
    t.true(Number(row.age) >= 0 && Number(row.age) <= maxAge, `age ${row.age}`);
  }
  const rows = csvRecords(r.stage("/nonexistent").files.get("wren.estimates.csv")!).filter((x) => x.src === "h1" && x.dst === "h2");
  // Exported every second from the first sample (1 s of compute, then the message) while the
  // newest sample is at most maxAge old.
  const first = Math.ceil(1 + oneWay), end = Math.floor(last + maxAge);
  t.deepEqual(rows.map((x) => Number(x.t)), Array.from({ length: end - first + 1 }, (_, i) => first + i));
  t.is(est.estimate("h1", "h2").samples, 0);
});
