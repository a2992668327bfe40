export { arForecast, autocovariance, forecastVariance, leastSquares, levinsonDurbin, meanErrorWeights, meanVariance, psiWeights, yuleWalker, type ArModel } from "./ar.js";
export { History } from "./history.js";
export { Autoregressive, WindowMean, ar, bestMean, defaultSchedule, last, newForecast, overallMean, windowMean, type FitSchedule, type Forecast, type Predictor } from "./predictor.js";
export { Ensemble } from "./ensemble.js";
export { normalQuantile } from "./normal.js";
export { adviseHosts, placeBatch, runningTime, type HostAdvice, type RunningTime } from "./advisor.js";
export { arSeries, fgn, fgnAutocovariance, selfSimilarLoad, type SelfSimilarLoad } from "./synthetic.js";
export { makePredictor, predictorFields, predictorSchema, samplesNeeded, windowCheck, type PredictorSpec } from "./schema.js";
export { PathForecaster } from "./paths.js";
