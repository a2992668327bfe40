/** The adaptation loop's settings. */
import { z } from "zod";
import { bandwidth, fraction, id, positiveCount, positiveSeconds, seconds } from "../scenario/quantities.js";
import { predictorFields, windowCheck } from "../predict/index.js";


export const adaptSchema = z.strictObject({
  enabled: z.boolean().default(false),
  app: id.optional().describe("workload whose progress rate is logged as each decision's realised effect"),
  vms: z.array(id).min(1).describe("VMs the loop may place and route"),
  hosts: z.array(id).min(1).describe("hosts it may place them on"),
  slots: z.number().positive().default(1).describe("VMs per host (compute capacity)"),
  mode: z.enum(["overlay", "migrate"]).default("migrate").describe("overlay: topology and forwarding only; migrate: also move VMs"),
  algorithm: z.enum(["gh", "sa", "gh+sa"]).default("gh"),
  interval: positiveSeconds.default(10),
  firstAt: seconds.default(10),
  maxHops: positiveCount.default(2),
  latencyWeight: z.number().nonnegative().default(0).describe("objective units per second of path latency"),
  localBandwidth: bandwidth.default(1e9),
  prior: z
    .union([z.literal("physical"), z.strictObject({ bandwidth, latency: seconds })])
    .default("physical")
    .describe("for host pairs Wren has not measured over a direct overlay link: the physical path's capacity and latency from the network map, or fixed values"),
  minGain: fraction.default(0.05).describe("adapt only if the objective improves by this fraction, plus the migration cost"),
  migrationCostPerGB: z.number().nonnegative().default(0).describe("objective units charged per GB of memory to migrate"),
  downtime: seconds.default(0.05).describe("pause each migration is expected to cost the application"),
  cooldown: seconds.default(30).describe("no decision for this long after a change is in place, while measurements of the old layout age out"),
  confirm: positiveCount.optional().describe("migrate only when this many consecutive decisions proposed, with enough gain, to move the same VMs (absent or 1: at once); damps reactions to transient load"),
  accessLinks: z.boolean().default(true).describe("model each host's access link (shared by all its overlay links) where the network has one"),
  predict: predictorFields
    .extend({
      interval: positiveSeconds.default(1).describe("seconds between samples of Wren's estimate per host pair"),
      horizon: positiveSeconds.default(30).describe("decide on the forecast mean bandwidth over this many seconds ahead"),
      minSamples: positiveCount.default(10).describe("until a pair has this many samples, its last estimate is used"),
    })
    .superRefine(windowCheck)
    .optional()
    .describe("decide on predicted path bandwidth instead of Wren's last estimate (absent: last estimate)"),
  availability: z
    .strictObject({
      weight: z.number().nonnegative().describe("objective units for the slowest VM's CPU fraction (1: every VM gets all the CPU it demands); the bandwidth terms it adds to are residual rates summed over VM pairs"),
      predicted: z.boolean().default(true).describe("with `predict` set, decide on each host's forecast load over its horizon (same predictor, sampled every predict.interval); false, or without `predict`: on the load read at the decision"),
    })
    .optional()
    .describe("add a compute term: each host's CPU availability to a VM, from its background load (everything but the loop's VMs), weighted into the objective (absent: slots only)"),
  annealing: z.strictObject({ iterations: positiveCount.default(5000), t0: z.number().positive().default(0.05), alpha: z.number().positive().max(1).default(0.999) }).default({ iterations: 5000, t0: 0.05, alpha: 0.999 }),
});

export type AdaptSpec = z.output<typeof adaptSchema>;
