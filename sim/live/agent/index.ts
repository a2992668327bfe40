// A host's agent: the ports of one host served to the cluster's controller, and the controller's client.
export { serveAgent, agentStateDir, type AgentOptions } from "./server.js";
export { AgentClient, AgentError, type Credentials } from "./client.js";
export { opSchemas, envelopeSchema, vmAddress, vmMac, type Op, type Args, type Reply } from "./protocol.js";
