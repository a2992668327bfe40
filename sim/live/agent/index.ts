// A host's agent: the ports of one host served to the cluster's controller, and the controller's client.
export { serveAgent, agentStateDir, type AgentOptions } from "./server.js";
export { AgentClient, AgentError, type Credentials } from "./client.js";
export { opSchemas, envelopeSchema, vmAddress, vmMac, type Op, type Args, type Reply, type GuestMessage, type WrenReading } from "./protocol.js";
/** One agent log entry as a JSON line, stamped with the wall-clock time. */
export const logLine = (e: object): string => JSON.stringify({ t: new Date().toISOString(), ...e }) + "\n";
