export { cpuTerm, evaluate, hostShare, link, slowestShare, validRoutes, type CpuTerm, type Problem, type Solution, type Result, type Scored, type VmEdge } from "./problem.js";
export { greedy, anneal, greedyAnneal, exhaustive, routeAll, defaultAnneal, stepClock, type AnnealParams, type Now } from "./algorithms.js";
export { widestPath, widestPathHops } from "./widest.js";
export { State } from "./state.js";
export { randomProblem } from "./random.js";
