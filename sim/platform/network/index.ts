export { Topology, type Link, type NodeKind } from "./topology.js";
export { Router, type Route, type Metric } from "./routing.js";
export { FlowNetwork, Flow, type FlowOptions, type FlowNetworkOptions } from "./flows.js";
export { MaxMinSolver, type MaxMinProblem } from "./maxmin.js";
export { buildTopology } from "./generators.js";
export { networkSchema, topologySchema, type NetworkSpec, type TopologySpec } from "./schema.js";
export { sharingModel, modelDefaults, type SharingModel, type ModelName } from "./model.js";
export { SimgridPlatform, installSimgrid, simgridProblems, simgridUnits } from "./simgrid/index.js";
