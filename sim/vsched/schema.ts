/** VSched settings in a scenario: reservations, the budget rule, and whether to record every period. */
import { z } from "zod";
import { id, positiveSeconds, seconds } from "../scenario/quantities.js";

export const reservationSchema = z.strictObject({
  vm: id,
  period: positiveSeconds,
  slice: positiveSeconds,
  at: seconds.default(0).describe("when the client asks for it; a later entry for the same VM changes it"),
});

export const vschedSchema = z.strictObject({
  reservations: z.array(reservationSchema).default([]),
  budget: z
    .enum(["run-on", "cbs"])
    .default("run-on")
    .describe("run-on: VSched's periodic jobs, CPU past a used-up slice charged to the next job; cbs: SCHED_DEADLINE's constant bandwidth server (throttle, replenish, wake-up rule)"),
  tracePeriods: z.boolean().default(false).describe("record every period in the `vsched.periods` table"),
});

export type VSchedSpec = z.output<typeof vschedSchema>;
