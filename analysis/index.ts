export { toCsv, recordsToRows, type Cell } from "./csv.js";
export { summarize, studentTCdf, studentTQuantile, incompleteBeta, quantile, type Summary } from "./stats.js";
export { heatmap, type HeatmapSpec } from "./heatmap.js";
export { trafficGraph, type GraphSpec } from "./graph.js";
export { chart, type ChartSpec, type Series, type Axis } from "./chart.js";
export { stepAverage } from "./series.js";
export { report } from "./report.js";
export { writeAtomic, OutputDir } from "./output.js";
export { style, colour } from "./style.js";
