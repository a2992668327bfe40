/**
 * Steering actions at simulated times (`actions`): what a person did through `virtuoso
 * console`, recorded so the run replays exactly as a scenario.
 */
import { z } from "zod";
import { id, positiveSeconds, seconds } from "../scenario/quantities.js";

export const actionSchema = z.discriminatedUnion("kind", [
  z.strictObject({ at: seconds, kind: z.literal("reserve"), vm: id, period: positiveSeconds, slice: positiveSeconds }).describe("ask VSched for (period, slice) for a VM; admission may refuse"),
  z.strictObject({ at: seconds, kind: z.literal("press"), user: id.describe("a button person in policies.user.users") }).describe("press that person's user-driven scheduling button"),
  z.strictObject({ at: seconds, kind: z.literal("adapt") }).describe("ask VADAPT to adapt now: one step of its loop, between its periodic ones (needs policies.adapt)"),
]);

export type Action = z.output<typeof actionSchema>;
