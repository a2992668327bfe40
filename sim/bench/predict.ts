/** Prediction speed: AR(16) fits on a 1,000-sample window, and 30-step forecasts with variances. */
import { Rng } from "../kernel/index.js";
import { ar, fgn, newForecast } from "../predict/index.js";
import type { Bench } from "./bench.js";

export const predict: Bench = {
  name: "predict",
  description: "AR(16) Yule-Walker fits per second on a 1,000-sample window (refit at every sample) and 30-step forecasts per second, per second of this process's CPU time (steady on a busy machine); fGn load, H = 0.8",
  params: { order: 16, window: 1000, fits: 20000, forecasts: 2000000, horizon: 30, seed: 1 },
  run(p) {
    const x = fgn(new Rng("bench.predict", p.seed), p.window + p.fits, 0.8);
    const fit = ar(p.order, "yule-walker", { window: p.window, refit: 1, horizon: p.horizon });
    for (let i = 0; i < p.window - 1; i++) fit.observe(x[i]);
    // Each observation past a full window refits the model.
    let t0 = cpuSeconds();
    for (let i = p.window - 1; i < p.window - 1 + p.fits; i++) fit.observe(x[i]);
    const fitS = cpuSeconds() - t0;
    const out = newForecast(p.horizon);
    let check = 0;
    t0 = cpuSeconds();
    for (let i = 0; i < p.forecasts; i++) check += fit.forecast(p.horizon, out).mean[p.horizon - 1];
    const fcS = cpuSeconds() - t0;
    if (!Number.isFinite(check)) throw new Error("predict bench: forecasts are not finite");
    return [
      { name: "predict.ar_fits", value: Math.round(p.fits / fitS), unit: "fits/s" },
      { name: "predict.forecasts", value: Math.round(p.forecasts / fcS), unit: "forecasts/s" },
    ];
  },
};

/** This process's CPU time: the loops are single-threaded, so it is their work, whatever else runs. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
