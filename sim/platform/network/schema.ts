/** Network part of a scenario: a generated or explicit topology, routing, and TCP limits. */
import { z } from "zod";
import { bandwidth, bytes, id, positiveCount, seconds } from "../../scenario/quantities.js";

const linkParams = { bandwidth, latency: seconds.describe("one-way seconds") };
const link = z.strictObject(linkParams);

export const topologySchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("switch"), ...linkParams }).describe("every host on one non-blocking switch"),
  z.strictObject({
    kind: z.literal("two-sites"),
    siteA: z.array(id).min(1).describe("hosts at site A; the rest are at site B"),
    lan: link,
    wan: link,
  }),
  z.strictObject({ kind: z.literal("fat-tree"), k: z.number().int().min(2).max(64).multipleOf(2), ...linkParams }).describe("k-ary fat-tree; hosts fill its k^3/4 leaves in order"),
  z.strictObject({
    kind: z.literal("random"),
    routers: positiveCount.max(10000),
    extraLinkProbability: z.number().min(0).max(1).default(0.1).describe("chance of each non-tree router pair being linked"),
    router: link,
    access: link.describe("host to its router"),
  }),
  z.strictObject({
    kind: z.literal("torus"),
    dims: z.array(z.number().int().min(1).max(4096)).min(1).max(3).describe("routers per dimension; hosts fill the positions in order"),
    wrap: z.boolean().default(true).describe("link each dimension's ends (a torus); false for a plain grid (mesh)"),
    ...linkParams,
    access: link.optional().describe("host to its router; default the router links' bandwidth and latency"),
  }).describe("routers on a 1-3 dimensional torus or grid, one host on each"),
  z.strictObject({
    kind: z.literal("simgrid"),
    file: z.string().min(1).describe("SimGrid platform file (version 4.1), relative to the scenario"),
  }).describe("links and routes of a SimGrid platform file; the scenario's hosts must be its hosts"),
  z.strictObject({
    kind: z.literal("explicit"),
    nodes: z.array(z.strictObject({ id, kind: z.enum(["switch", "router"]) })).default([]).describe("non-host nodes"),
    links: z.array(z.strictObject({
      a: id,
      b: id,
      ...linkParams,
      duplex: z.boolean().default(true),
      fatpipe: z.boolean().default(false).describe("not shared: every flow may use the whole bandwidth, both ways (SimGrid's FATPIPE)"),
    })),
  }),
]);

export const networkSchema = z.strictObject({
  topology: topologySchema,
  model: z.enum(["maxmin", "cm02", "lv08"]).default("maxmin").describe("flow sharing: plain max-min, or SimGrid's CM02 or LV08 (latency-weighted); sets the defaults below"),
  latencyFactor: z.number().positive().optional().describe("a flow waits out its latency times this (default 13.01 under lv08, else 1)"),
  bandwidthFactor: z.number().positive().max(1).optional().describe("a flow's rate is its share times this (default 0.97 under lv08, else 1)"),
  weightS: bytes.optional().describe("LV08's S: a flow's sharing penalty adds S / bandwidth per link (default 20537 under lv08, else 0); cm02 and lv08 only"),
  crossTraffic: z.number().min(0).max(1).optional().describe("share of a flow's rate charged to its reverse path (default 0.05 under cm02 and lv08, else 0)"),
  routing: z.enum(["latency", "hops"]).default("latency").describe("shortest-path metric; ties split by a per-pair hash (ECMP)"),
  routes: z.array(z.strictObject({ from: id, to: id, via: z.array(id).describe("intermediate nodes, in order") })).default([]),
  tcpWindow: bytes.optional().describe("caps each flow at window / RTT; 0 for none (default 4194304 under cm02 and lv08, else none)"),
  localBandwidth: bandwidth.default(1e10).describe("rate of a transfer between VMs on one host"),
  traceFlows: z.boolean().default(false).describe("record every flow in the `flows` table"),
}).superRefine((n, ctx) => {
  if (n.model === "maxmin" && n.weightS !== undefined) ctx.addIssue({ code: "custom", path: ["weightS"], message: "only used by the cm02 and lv08 models" });
});

export type TopologySpec = z.output<typeof topologySchema>;
export type NetworkSpec = z.output<typeof networkSchema>;
