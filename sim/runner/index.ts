export { runScenario, startScenario, outputProblems, type StartedRun, type Summary, type RunOptions, type RunResult } from "./run.js";
export { provenance, scenarioHash, toolVersion, gitCommit, commandLine, type Provenance } from "./provenance.js";
export { registerPolicy, unregisterPolicy, registeredPolicies, type PolicyDefinition, type PolicyContext } from "./registry.js";
