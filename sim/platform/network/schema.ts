/** Network part of a scenario: a generated or explicit topology, routing, and TCP limits. */
import { z } from "zod";
import { bytes, id, positiveCount, seconds } from "../../scenario/quantities.js";

const bandwidth = z.number().positive().describe("bytes per second");
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
    kind: z.literal("explicit"),
    nodes: z.array(z.strictObject({ id, kind: z.enum(["switch", "router"]) })).default([]).describe("non-host nodes"),
    links: z.array(z.strictObject({ a: id, b: id, ...linkParams, duplex: z.boolean().default(true) })),
  }),
]);

export const networkSchema = z.strictObject({
  topology: topologySchema,
  routing: z.enum(["latency", "hops"]).default("latency").describe("shortest-path metric; ties split by a per-pair hash (ECMP)"),
  routes: z.array(z.strictObject({ from: id, to: id, via: z.array(id).describe("intermediate nodes, in order") })).default([]),
  tcpWindow: bytes.optional().describe("caps each flow at window / RTT"),
  localBandwidth: bandwidth.default(1e10).describe("rate of a transfer between VMs on one host"),
  traceFlows: z.boolean().default(false).describe("record every flow in the `flows` table"),
});

export type TopologySpec = z.output<typeof topologySchema>;
export type NetworkSpec = z.output<typeof networkSchema>;
