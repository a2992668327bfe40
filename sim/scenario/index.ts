export { loadScenario, parseScenario, parseJson, type LoadOptions } from "./load.js";
export { limits } from "./limits.js";
export { ScenarioError, formatPath } from "./problems.js";
export { scenarioSchema, scenarioJsonSchema, type Scenario, type ScenarioInput, type HostSpec, type VmSpec } from "./schema.js";
