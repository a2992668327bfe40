/** A live run's host load series: samples beside the forecasts made before them, scored against LAST. */
import test from "ava";
import { cpuTimes, LoadSeries, probe, runLive } from "../../sim/live/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import { root } from "../helpers.js";
import { liveTest } from "./gate.js";
import { last, overallMean } from "../../sim/predict/index.js";

const sensor = (xs: number[]) => {
  let i = 0;
  return { hosts: () => ["m"], load: () => xs[i++] };
};

test("each row holds the forecast made before its sample; errors are scored against LAST by hand", (t) => {
  const xs = [1, 3, 2, 5, 4, 4];
  // MEAN over everything seen: forecasts 1, 2, 2, 2.75, 3 for samples 2..6.
  const s = new LoadSeries(sensor(xs), overallMean({ window: 100 }));
  xs.forEach((_, i) => s.sample(i));
  t.deepEqual(s.rows.map((r) => r.t), [0, 1, 2, 3, 4, 5]);
  t.true(Number.isNaN(s.rows[0].forecast));
  const mean = [1, 2, 2, 2.75, 3];
  mean.forEach((m, i) => t.true(Math.abs(s.rows[i + 1].forecast - m) < 1e-12, `${i}`));
  const sum = s.summary();
  const mse = xs.slice(1).reduce((a, x, i) => a + (x - mean[i]) ** 2, 0) / 5;
  const lastMse = xs.slice(1).reduce((a, x, i) => a + (x - xs[i]) ** 2, 0) / 5;
  t.is(sum.scored, 5);
  t.true(Math.abs(sum.forecast_mse - mse) < 1e-12);
  t.true(Math.abs(sum.last_mse - lastMse) < 1e-12);
  t.is(sum.mean_load, 19 / 6);
  t.is(sum.host, "m");
});

test("with LAST as the predictor, its error is LAST's", (t) => {
  const xs = [0.5, 1.5, 1, 2, 0];
  const s = new LoadSeries(sensor(xs), last({ window: 10 }));
  xs.forEach((_, i) => s.sample(i));
  const sum = s.summary();
  t.is(sum.forecast_mse, sum.last_mse);
});

liveTest("a live run's summary holds the host load series: a sample a second, each in 0..CPUs", probe("cgroup"), async (t) => {
  const s = loadScenario(`${root}/scenarios/live-vsched.json`, { sets: ["duration=3.5"] });
  const m = (await runLive(s, "cgroup")).summary.metrics as Record<string, Record<string, number>>;
  const h = m.host_load;
  t.log(h);
  t.true(h.samples >= 2 && h.samples <= 4, `${h.samples} samples`);
  t.true(h.mean_load >= 0 && h.mean_load <= cpuTimes().cpus + 1e-9);
  t.is(h.scored, h.samples - 1);
});
