/**
 * Experiments: a scenario can carry a recipe that runs many variants of itself and draws the
 * figure a paper shows. Each cell is the scenario with some fields changed.
 */
import { z } from "zod";
import { bytes, id, positiveCount, positiveSeconds, seconds } from "../scenario/quantities.js";
import { patternNames } from "../workload/patterns.js";

const profile = z.strictObject({
  name: id,
  tick: positiveSeconds,
  dispatchOverhead: seconds.default(0),
});

export const missGridSchema = z.strictObject({
  kind: z.literal("vsched-miss-grid"),
  host: id.describe("the VSched host"),
  vm: id.describe("the reserved CPU-bound VM"),
  periods: z.strictObject({ min: positiveSeconds, max: positiveSeconds, count: positiveCount.max(1000) }).describe("log-spaced periods"),
  sliceFractions: z.array(z.number().positive().max(1)).min(1).describe("slices as fractions of the period"),
  profiles: z.array(profile).min(1).describe("timer tick and dispatch overhead of each kernel profile"),
  periodsPerCell: positiveCount.max(1e6).default(100),
  minCellSeconds: positiveSeconds.default(2),
});

export const missTimesSchema = z.strictObject({
  kind: z.literal("vsched-miss-times"),
  host: id,
  vm: id,
  profiles: z.array(profile).min(1),
  cells: z.array(z.strictObject({ name: z.string(), profile: id, period: positiveSeconds, slice: positiveSeconds })).min(1),
  periodsPerCell: positiveCount.max(1e6).default(500),
  minCellSeconds: positiveSeconds.default(2),
});

export const mixSchema = z.strictObject({
  kind: z.literal("vsched-mix"),
  vm: id.describe("the interactive VM to reserve for"),
  interactive: id.describe("its interactive workload"),
  batch: z.array(id).min(1).describe("batch workloads whose throughput is reported"),
  reservations: z.array(z.strictObject({ period: positiveSeconds, slice: positiveSeconds })).min(1),
});

export const variantsSchema = z.strictObject({
  kind: z.literal("bsp-rate-variants"),
  app: id.describe("BSP workload whose superstep rate is plotted"),
  window: positiveSeconds.default(5).describe("rate averaging window"),
  variants: z.array(z.strictObject({ name: z.string(), set: z.array(z.string()).default([]).describe("path=value overrides") })).min(1),
  markers: z.array(z.strictObject({ at: seconds, label: z.string() })).default([]),
});

export const vttifPatternsSchema = z.strictObject({
  kind: z.literal("vttif-patterns"),
  patterns: z.array(z.enum(patternNames)).min(1).default(["all-to-all", "ring", "mesh", "tree", "broadcast", "pipeline", "n-body"]).describe("default: every pattern VTTIF names (not torus)"),
  ranks: z.array(positiveCount.max(1024)).min(1).default([4, 8, 16, 32]),
  hostPrefix: z.string().default("node").describe("rank i runs on a VM on host {prefix}{perm(i)}"),
  messageBytes: bytes.default(1e6),
  computeOps: z.number().nonnegative().default(1e8),
  noise: z.strictObject({ rate: z.number().positive(), messageBytes: bytes }).describe("background noise traffic when noise is on"),
  graphRanks: positiveCount.max(1024).default(8).describe("rank count whose inferred graph is drawn per pattern"),
});

export const vttifReactivitySchema = z.strictObject({
  kind: z.literal("vttif-reactivity"),
  app: id.describe("BSP workload whose `sequence` switches pattern"),
  switchAt: positiveCount.describe("superstep at which the pattern switches"),
  windows: z.array(positiveCount).min(1).describe("smoothing windows to sweep (with damping 1)"),
  dampings: z.array(positiveCount).min(1).describe("damping settings to sweep on the alternating workload"),
  alternateEvery: positiveCount.describe("supersteps per pattern in the alternating workload"),
  alternateWindow: positiveCount.default(1).describe("smoothing window during the damping sweep"),
});

export const wrenAccuracySchema = z.strictObject({
  kind: z.literal("wren-accuracy"),
  src: id.describe("host whose outgoing path is measured"),
  dst: id,
});

export const adaptModesSchema = z.strictObject({
  kind: z.literal("vadapt-modes"),
  app: id.describe("the BSP workload"),
  patterns: z.array(z.enum(patternNames)).min(1),
  modes: z.array(z.enum(["none", "overlay", "migrate"])).min(1).default(["none", "overlay", "migrate"]),
  starts: z
    .array(z.strictObject({ name: id, hosts: z.record(z.string(), id).default({}).describe("VM -> host it starts on, where it differs from the scenario") }))
    .min(1)
    .default([{ name: "scenario", hosts: {} }])
    .describe("initial placements to run every pattern and mode from; the first is the baseline speedups are measured against"),
});

export const adaptAlgorithmsSchema = z.strictObject({
  kind: z.literal("vadapt-algorithms"),
  sizes: z.array(positiveCount.max(1024)).min(1).default([8, 16, 32, 64]).describe("VMs per random instance for the convergence figure"),
  vmsPerHost: z.number().positive().default(2),
  partners: z.number().positive().default(3).describe("mean communicating partners per VM"),
  maxHops: positiveCount.default(2),
  moves: positiveCount.max(1e7).default(20000).describe("annealing moves"),
  small: z
    .strictObject({ instances: positiveCount.max(1000).default(40), minVms: positiveCount.max(10).default(4), maxVms: positiveCount.max(10).default(8), minHosts: positiveCount.max(10).default(3), maxHosts: positiveCount.max(10).default(6) })
    .default({ instances: 40, minVms: 4, maxVms: 8, minHosts: 3, maxHosts: 6 })
    .describe("instances for the gap to the exhaustive optimum (direct routes, so enumeration stays exact and small)"),
});

export const experimentSchema = z.discriminatedUnion("kind", [adaptModesSchema, adaptAlgorithmsSchema, missGridSchema, missTimesSchema, mixSchema, variantsSchema, vttifPatternsSchema, vttifReactivitySchema, wrenAccuracySchema]);

export type VttifPatternsSpec = z.output<typeof vttifPatternsSchema>;
export type VttifReactivitySpec = z.output<typeof vttifReactivitySchema>;
export type WrenAccuracySpec = z.output<typeof wrenAccuracySchema>;

export type ExperimentSpec = z.output<typeof experimentSchema>;
export type MissGridSpec = z.output<typeof missGridSchema>;
export type MissTimesSpec = z.output<typeof missTimesSchema>;
export type MixSpec = z.output<typeof mixSchema>;
export type VariantsSpec = z.output<typeof variantsSchema>;
export type AdaptModesSpec = z.output<typeof adaptModesSchema>;
export type AdaptAlgorithmsSpec = z.output<typeof adaptAlgorithmsSchema>;
