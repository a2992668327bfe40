export { Host, type HostParams } from "./host.js";
export { FairShare } from "./fairshare.js";
export { DispatchedCpu, type DispatchPolicy, type DispatchPolicyFactory } from "./dispatched.js";
export { ExternalLoad, loadProfile, loadSchema, MAX_SELFSIMILAR_SAMPLES, type LoadSpec } from "./load.js";
export type { CpuEntity, CpuScheduler } from "./cpu.js";
