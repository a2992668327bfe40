/** The global rate controller's settings (ICAC 2007). */
import { z } from "zod";
import { fraction, id, positiveSeconds, seconds } from "../scenario/quantities.js";

export const rateControlSchema = z.strictObject({
  interval: positiveSeconds.default(2).describe("control interval"),
  deadband: fraction.default(0.02).describe("no change while |target - measured| is within this (as a fraction of the dedicated rate)"),
  gain: z.number().positive().default(0.8).describe("proportional gain on utilization per unit of rate error"),
  periods: z.array(positiveSeconds).min(1).default([0.1, 0.05, 0.02]).describe("candidate periods, tried in order; the one holding the target at the lowest utilization is kept"),
  patience: z.number().int().positive().default(6).describe("intervals a period may miss the target before another is tried"),
  settle: z.number().int().positive().default(3).describe("intervals in the dead band that count as holding the target"),
  minUtilization: fraction.default(0.02),
  apps: z
    .array(
      z.strictObject({
        app: id.describe("a BSP workload id"),
        dedicatedRate: z.number().positive().describe("supersteps per second on dedicated machines"),
        targets: z.array(z.strictObject({ at: seconds.default(0), rate: fraction.describe("fraction of the dedicated rate") })).min(1),
      }),
    )
    .default([]),
});

export type RateControlSpec = z.output<typeof rateControlSchema>;
