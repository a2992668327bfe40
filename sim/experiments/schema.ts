/**
 * Experiments: a scenario can carry a recipe that runs many variants of itself and draws the
 * figure a paper shows. Each cell is the scenario with some fields changed.
 */
import { z } from "zod";
import { quantity } from "../scenario/units.js";
import { bandwidth, bytes, fraction, id, positiveCount, positiveSeconds, seconds } from "../scenario/quantities.js";
import { patternNames } from "../workload/patterns.js";
import { testcaseSchema } from "../uucs/testcase.js";
import { comfortSchema } from "../user/schema.js";

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

export const predictionSchema = z.strictObject({
  kind: z.literal("prediction"),
  synthetic: z
    .strictObject({ hurst: z.number().gt(0).lt(1).default(0.8), mean: z.number().nonnegative().default(1), sd: z.number().nonnegative().default(0.5), samples: positiveCount.max(20000).default(4000) })
    .default({ hurst: 0.8, mean: 1, sd: 0.5, samples: 4000 })
    .describe("self-similar load (fGn, stream prediction.synthetic, clipped at 0), 1 s samples"),
  trace: z.string().optional().describe("a recorded load trace (CSV t,level, e.g. from `virtuoso record-load`), relative to the scenario"),
  horizon: positiveCount.max(120).default(30).describe("longest forecast horizon, in samples"),
  order: positiveCount.max(64).default(16).describe("AR order, and BM's longest mean"),
  window: positiveCount.default(300).describe("samples each predictor fits on"),
  refit: positiveCount.default(5),
  levels: z.array(z.number().gt(0).lt(1)).min(1).default([0.5, 0.6, 0.7, 0.8, 0.9, 0.95]).describe("nominal levels of the running-time advisor's intervals"),
  nominal: positiveSeconds.default(10).describe("CPU seconds of the advisor's test tasks on the synthetic load"),
  traceNominal: positiveSeconds.default(1).describe("CPU seconds of the advisor's test tasks on the trace (a trace of a few hundred samples holds few independent runs of longer tasks)"),
  adapt: z
    .strictObject({
      cross: z.strictObject({
        hosts: z.array(id).min(1).describe("each gets an on-off cross stream to `sink`"),
        sink: id,
        rate: bandwidth.describe("bytes per second while on"),
        meanOn: positiveSeconds.describe("mean on period (Pareto)"),
        meanOff: positiveSeconds.describe("mean off period (Pareto)"),
        shape: z.number().gt(1).default(1.5).describe("Pareto shape: heavy-tailed for < 2"),
      }),
      predictors: z.array(z.enum(["last", "mean", "window", "bm", "ar", "ar-ls", "nws"])).min(1).default(["ar", "nws"]).describe("predictor kinds to run VADAPT with (each with the rest of policies.adapt.predict), beside VADAPT on last estimates"),
    })
    .optional()
    .describe("VADAPT on the scenario (its policies.adapt) with and without policies.adapt.predict, under the cross traffic"),
  adaptCpu: z
    .strictObject({
      load: z.strictObject({
        hosts: z.array(id).min(1).describe("each gets on-off external CPU load (its own stream prediction.cpu.HOST), replacing any it has"),
        level: z.number().positive().describe("cores' worth of demand while on"),
        meanOn: positiveSeconds.describe("mean on period (Pareto)"),
        meanOff: positiveSeconds.describe("mean off period (Pareto)"),
        shape: z.number().gt(1).default(1.5).describe("Pareto shape: heavy-tailed for < 2"),
      }),
      weight: z.number().positive().describe("policies.adapt.availability.weight in every run"),
      variants: z
        .array(z.enum(["none", "last", "hysteresis", "mean", "window", "bm", "ar", "ar-ls", "nws"]))
        .min(1)
        .default(["none", "last", "hysteresis", "window", "ar", "nws"])
        .describe("none: VADAPT off (the reference runtime); last: availability and bandwidth read at each decision; hysteresis: last, migrating only when `confirm` decisions in a row propose the same placement (policies.adapt.confirm); window: their mean over the last `windowOrder` samples; the two are the baselines a researcher would try first; the others: forecast by that predictor kind (each with the rest of policies.adapt.predict)"),
      windowOrder: positiveCount.default(10).describe("samples the window variant averages"),
      confirm: positiveCount.default(2).describe("policies.adapt.confirm of the hysteresis variant"),
      duration: positiveSeconds.optional().describe("seconds each of these runs simulates (absent: the scenario's duration); long enough for the application to finish without adaptation"),
      soon: positiveSeconds.default(120).describe("a migration is needless when its VM migrates again within this many seconds of its end (default: 1.5 on-off cycles of the scenario's load)"),
    })
    .optional()
    .describe("VADAPT with the compute term (policies.adapt.availability) under on-off external CPU load, on last readings against smoothed and predicted availability; no cross traffic"),
  placement: z
    .strictObject({
      hosts: positiveCount.min(2).max(64).default(6),
      hurst: z.number().gt(0).lt(1).default(0.8),
      mean: z.number().nonnegative().default(1).describe("mean external load over the hosts, in cores' worth"),
      spread: z.number().min(0).max(1).default(0.5).describe("host h's mean load is mean x (1 - spread + 2 spread h / (hosts - 1)): hosts differ"),
      sd: z.number().nonnegative().default(0.6).describe("standard deviation of each host's load (fGn, stream prediction.placement.load.hN, clipped at 0)"),
      seconds: positiveCount.max(50000).default(4000).describe("length of the load series, 1 s samples; jobs arrive over its first 80%"),
      interarrival: positiveSeconds.default(8).describe("mean seconds between job arrivals (Poisson, stream prediction.placement.jobs)"),
      work: z.tuple([positiveSeconds, positiveSeconds]).default([2, 60]).describe("[min, max] CPU-seconds of a job, log-uniform"),
      warmup: quantity("time", z.number().int().positive()).default(300).describe("whole seconds of load the predictors see before the first job"),
      policies: z.array(z.enum(["rta", "least-loaded", "round-robin", "random"])).min(1).default(["rta", "least-loaded", "round-robin", "random"]),
      level: z.number().gt(0).lt(1).default(0.95).describe("rta: the interval whose upper end ranks the hosts"),
    })
    .optional()
    .describe("online batch placement on the running-time advisor (rta, on each host's NWS forecast) against least-loaded-now, round robin and random, under self-similar host load"),
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

export const userPopulationSchema = z.strictObject({
  kind: z.literal("user-population"),
  user: id.describe("the person in policies.user.users whose settings every member of the population shares"),
  people: positiveCount.max(1000).default(20).describe("population size: person i is the scenario run with seed + i, so draws its own comfort threshold"),
  controls: z.array(z.enum(["button", "joystick"])).min(1).default(["button", "joystick"]),
  shares: z.array(z.number().positive().max(1)).min(1).default([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]).describe("fixed reserved shares run without a person, for the reference: the most CPU each comfort threshold could give away"),
});

export const uucsPopulationSchema = z.strictObject({
  kind: z.literal("uucs-population"),
  app: id.describe("the person's own interactive workload, on a VM alone on its host"),
  testcases: z.array(testcaseSchema.omit({ $schema: true })).min(1).describe("UUCS testcases, as in testcase files"),
  people: positiveCount.max(1000).default(40).describe("person i runs at seed + i and draws a comfort threshold from the stream uucs.comfort"),
  comfort: comfortSchema.default({ kind: "lognormal", median: 0.1, sigma: 0.6 }),
  window: positiveCount.max(1000).default(3).describe("responses averaged for one judgement"),
  memory: z
    .strictObject({ physical: bytes.default(2 ** 31), workingSet: bytes.default(2 ** 30), penalty: z.number().nonnegative().default(20).describe("slowdown per working set's worth of memory paged out") })
    .default({ physical: 2 ** 31, workingSet: 2 ** 30, penalty: 20 })
    .describe("memory borrowing slows the person's work once borrowed + workingSet exceeds physical: 1 + penalty x overflow / workingSet"),
  disk: z
    .strictObject({ bandwidth: bandwidth.default(5e7).describe("bytes/s the disk writes"), ioFraction: fraction.default(0.3).describe("part of each response spent on disk I/O") })
    .default({ bandwidth: 5e7, ioFraction: 0.3 })
    .describe("disk borrowing slows the I/O part of each response as a queue would: x 1 / (1 - borrowed / bandwidth)"),
});

export const experimentSchema = z.discriminatedUnion("kind", [uucsPopulationSchema, userPopulationSchema, adaptModesSchema, adaptAlgorithmsSchema, missGridSchema, missTimesSchema, mixSchema, variantsSchema, vttifPatternsSchema, vttifReactivitySchema, wrenAccuracySchema, predictionSchema]);

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
export type PredictionSpec = z.output<typeof predictionSchema>;
export type UserPopulationSpec = z.output<typeof userPopulationSchema>;
export type UucsPopulationSpec = z.output<typeof uucsPopulationSchema>;
