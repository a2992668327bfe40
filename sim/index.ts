/**
 * The package's public API (`import { ... } from "virtuoso-testbed"`): the kernel, the ports
 * policies see, the policies themselves, scenarios and the runner, and the two registries an
 * extension adds to. Everything else is internal and may change.
 */
export { Simulation, Process, Resource, Timeline, Rng, RandomStreams, type Handle, type ProcessGenerator } from "./kernel/index.js";
export type { Clock, TimerId, CpuControl, Reservation, Admission, TrafficTap, TrafficSample, TransferObservation, Messenger, CpuDispatch, NetControl, Placement, MigrationNotice, Lightpaths } from "./ports/index.js";
export { VSched, admit, type VSchedParams } from "./vsched/index.js";
export { RateController, AdaptLoop, VReserve, type RateApp, type RateControlParams, type Decision, type AdaptPorts } from "./control/index.js";
export { Vttif, TrafficMatrix, classify, type VttifParams, type Inference, type Topology } from "./vttif/index.js";
export { Wren, type WrenParams, type PathEstimate } from "./wren/index.js";
export { greedy, anneal, greedyAnneal, exhaustive, widestPath, type Problem, type Solution } from "./vadapt/index.js";
export { loadScenario, parseScenario, scenarioJsonSchema, ScenarioError, type Scenario, type ScenarioInput, type LoadOptions } from "./scenario/index.js";
export { runScenario, registerPolicy, unregisterPolicy, registeredPolicies, type RunOptions, type RunResult, type Summary, type PolicyDefinition, type PolicyContext } from "./runner/index.js";
export { registerWorkload, unregisterWorkload, workloadKinds, type WorkloadDefinition, type Model } from "./workload/index.js";
export { runLive, type LiveOptions, type LiveResult } from "./live/index.js";
