export { classify, topologyNames, type Topology, type EdgeSource } from "./classify.js";
export { TrafficMatrix } from "./matrix.js";
export { Vttif, edgeList, type VttifParams, type Inference } from "./vttif.js";
export { appGroups, type Application, type AppGroup } from "./apps.js";
export { vttifSchema, type VttifSpec } from "./schema.js";
