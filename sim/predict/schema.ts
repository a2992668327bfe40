/** A predictor as a scenario names it. */
import { z } from "zod";
import { positiveCount } from "../scenario/quantities.js";
import { Ensemble } from "./ensemble.js";
import { ar, bestMean, last, overallMean, windowMean, type Predictor } from "./predictor.js";

export const predictorFields = z.strictObject({
  kind: z.enum(["last", "mean", "window", "bm", "ar", "ar-ls", "nws"]).default("nws").describe("last: LAST; mean: MEAN over the fit window; window: mean of the last `order` samples; bm: BM(order), the best of those means; ar: AR(order) by Yule-Walker; ar-ls: AR(order) by least squares; nws: the NWS ensemble of LAST, MEAN, BM(order) and AR(order), forecasting with the member of least recent error over the horizon the forecast is used for"),
  order: positiveCount.default(8).describe("samples averaged (window), longest mean tried (bm), or AR order (ar, ar-ls, nws)"),
  window: positiveCount.default(600).describe("most recent samples the model is fitted on"),
  refit: positiveCount.default(1).describe("refit after this many new samples"),
  errorWindow: positiveCount.default(30).describe("nws: samples over which each member's squared one-step error is averaged"),
});

/** Samples a predictor needs before it fits. */
export function samplesNeeded(spec: { kind: string; order: number }): number {
  return spec.kind === "ar-ls" ? 2 * spec.order + 2 : spec.kind === "ar" || spec.kind === "nws" ? spec.order + 2 : spec.kind === "mean" || spec.kind === "last" ? 2 : spec.order + 1;
}

/** Checks that the fit window holds enough samples for the predictor's order. */
export function windowCheck(spec: { kind: string; order: number; window: number }, ctx: z.RefinementCtx): void {
  const need = samplesNeeded(spec);
  if (spec.window < need) ctx.addIssue({ code: "custom", path: ["window"], message: `${spec.window} samples are too few for ${spec.kind} of order ${spec.order}; it needs at least ${need}` });
}

export const predictorSchema = predictorFields.superRefine(windowCheck);

export type PredictorSpec = z.output<typeof predictorFields>;

/** `lead`: samples ahead the forecasts are used for (the NWS ensemble scores its members there). */
export function makePredictor(spec: PredictorSpec, horizon = 30, lead = 1): Predictor {
  const s = { window: spec.window, refit: spec.refit, horizon };
  switch (spec.kind) {
    case "last":
      return last(s);
    case "mean":
      return overallMean(s);
    case "window":
      return windowMean(spec.order, s);
    case "bm":
      return bestMean(spec.order, s);
    case "ar":
      return ar(spec.order, "yule-walker", s);
    case "ar-ls":
      return ar(spec.order, "least-squares", s);
    case "nws":
      return new Ensemble([last(s), overallMean(s), bestMean(spec.order, s), ar(spec.order, "yule-walker", s)], spec.errorWindow, lead);
  }
}
