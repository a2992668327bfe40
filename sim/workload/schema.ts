/** Workload kinds a scenario can name, discriminated by `kind`. */
import { z } from "zod";
import { byteRate, bytes, id, positiveCount, positiveSeconds, rate, seconds } from "../scenario/quantities.js";
import { patternNames } from "./patterns.js";
import { defineBuiltinWorkloads } from "./registry.js";

const ops = z.number().nonnegative().describe("operations");

export const mm1Schema = z.strictObject({
  kind: z.literal("mm1"),
  id,
  arrivalRate: rate.describe("customers per second (lambda)"),
  serviceRate: rate.describe("customers per second per server (mu)"),
  servers: positiveCount.max(1_000_000).default(1),
  warmup: seconds.default(0).describe("customers arriving before this are not measured"),
});

export const pholdSchema = z.strictObject({
  kind: z.literal("phold"),
  id,
  lps: positiveCount.max(10_000_000).describe("logical processes"),
  init: positiveCount.max(1000).default(1).describe("initial events per LP"),
  lookahead: seconds.default(0.1),
  meanDelay: positiveSeconds.default(1).describe("mean of the exponential delay added to the lookahead"),
});

export const bspSchema = z.strictObject({
  kind: z.literal("bsp"),
  id,
  vms: z.array(id).min(1).describe("ranks, in rank order"),
  pattern: z.enum(patternNames),
  messageBytes: bytes.describe("bytes per message"),
  computeOps: ops.describe("operations per rank per superstep"),
  supersteps: positiveCount,
  sequence: z
    .array(z.strictObject({ pattern: z.enum(patternNames), supersteps: positiveCount }))
    .min(1)
    .optional()
    .describe("run these patterns in turn instead of `pattern` (then `supersteps` counts whole sequences)"),
  start: seconds.default(0),
});

export const noiseSchema = z.strictObject({
  kind: z.literal("noise"),
  id,
  vms: z.array(id).min(2).describe("VMs that exchange background messages"),
  rate: rate.describe("messages per second, Poisson, between uniformly random pairs"),
  messageBytes: bytes,
  start: seconds.default(0),
});

export const crossSchema = z.strictObject({
  kind: z.literal("cross"),
  id,
  from: id.describe("host"),
  to: id.describe("host"),
  steps: z.array(z.strictObject({ at: seconds, rate: byteRate })).min(1).describe("a constant-rate stream, changed at each step"),
});

export const batchSchema = z.strictObject({
  kind: z.literal("batch"),
  id,
  vm: id,
  ops: ops.optional().describe("total work; runs for the whole scenario when absent"),
  start: seconds.default(0),
});

export const interactiveSchema = z.strictObject({
  kind: z.literal("interactive"),
  id,
  vm: id,
  thinkTime: positiveSeconds.describe("mean of the exponential think time"),
  burstOps: ops.describe("work per request"),
  start: seconds.default(0),
});

export const webSchema = z.strictObject({
  kind: z.literal("web"),
  id,
  client: id.describe("VM the clients run on"),
  web: id.describe("web server VM"),
  db: id.describe("database VM"),
  clients: positiveCount.max(1_000_000).default(10),
  thinkTime: positiveSeconds.default(1).describe("mean think time between a client's requests"),
  requestBytes: bytes.default(1000),
  replyBytes: bytes.default(20000),
  queryBytes: bytes.default(500),
  resultBytes: bytes.default(5000),
  webOps: ops.default(5e6).describe("web-tier work per request"),
  dbOps: ops.default(2e7).describe("database work per request"),
  start: seconds.default(0),
});

export const pingSchema = z.strictObject({
  kind: z.literal("ping"),
  id,
  src: id,
  dst: id,
  bytes: bytes.default(84).describe("ICMP echo size on the wire"),
  interval: positiveSeconds.default(1),
  transport: z.enum(["overlay", "physical"]).optional().describe("overlay: through VNET (needs platform.overlay.enabled); physical: bridged, bypassing VNET; absent: as the VMs' other traffic (VNET when the overlay is enabled)"),
  start: seconds.default(0),
});

const builtinSchemas = [mm1Schema, pholdSchema, bspSchema, batchSchema, interactiveSchema, webSchema, pingSchema, noiseSchema, crossSchema] as const;
/** The built-in kinds; a scenario is parsed against these and any kind a program added with
 * `registerWorkload` (see currentScenarioSchema). */
export const workloadSchema = z.discriminatedUnion("kind", [...builtinSchemas]);
defineBuiltinWorkloads(builtinSchemas);

export type NoiseSpec = z.output<typeof noiseSchema>;
export type CrossSpec = z.output<typeof crossSchema>;

export type BspSpec = z.output<typeof bspSchema>;
export type BatchSpec = z.output<typeof batchSchema>;
export type InteractiveSpec = z.output<typeof interactiveSchema>;
export type WebSpec = z.output<typeof webSchema>;
export type PingSpec = z.output<typeof pingSchema>;

export type Mm1Spec = z.output<typeof mm1Schema>;
export type PholdSpec = z.output<typeof pholdSchema>;
export type WorkloadSpec = z.output<typeof workloadSchema>;
