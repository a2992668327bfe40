/** Workload kinds a scenario can name, discriminated by `kind`. */
import { z } from "zod";
import { id, positiveCount, rate, seconds } from "../scenario/quantities.js";

export const mm1Schema = z.strictObject({
  kind: z.literal("mm1"),
  id,
  arrivalRate: rate.describe("customers per second (lambda)"),
  serviceRate: rate.describe("customers per second per server (mu)"),
  servers: positiveCount.default(1),
  warmup: seconds.default(0).describe("customers arriving before this are not measured"),
});

export const pholdSchema = z.strictObject({
  kind: z.literal("phold"),
  id,
  lps: positiveCount.describe("logical processes"),
  init: positiveCount.default(1).describe("initial events per LP"),
  lookahead: seconds.default(0.1),
  meanDelay: z.number().positive().default(1).describe("mean of the exponential delay added to the lookahead, seconds"),
});

export const workloadSchema = z.discriminatedUnion("kind", [mm1Schema, pholdSchema]);

export type Mm1Spec = z.output<typeof mm1Schema>;
export type PholdSpec = z.output<typeof pholdSchema>;
export type WorkloadSpec = z.output<typeof workloadSchema>;
