/**
 * Steering actions at simulated times (`actions`): what a person did through `virtuoso
 * console`, recorded so the run replays exactly as a scenario.
 */
import { z } from "zod";
import { id, positiveSeconds, seconds } from "../scenario/quantities.js";
import { testcaseBodySchema } from "../uucs/testcase.js";

export const actionSchema = z.discriminatedUnion("kind", [
  z.strictObject({ at: seconds, kind: z.literal("reserve"), vm: id, period: positiveSeconds, slice: positiveSeconds }).describe("ask VSched for (period, slice) for a VM; admission may refuse"),
  z.strictObject({ at: seconds, kind: z.literal("press"), user: id.describe("a button person in policies.user.users") }).describe("press that person's user-driven scheduling button"),
  z.strictObject({ at: seconds, kind: z.literal("adapt") }).describe("ask VADAPT to adapt now: one step of its loop, between its periodic ones (needs policies.adapt)"),
  z.strictObject({ at: seconds, kind: z.literal("uucs-start"), testcase: z.union([id.describe("a testcase in policies.uucs.testcases"), testcaseBodySchema.describe("the testcase itself (as the console records one loaded from a file)")]) }).describe("start a UUCS testcase borrowing CPU, memory or disk; refused while another runs"),
  z.strictObject({ at: seconds, kind: z.literal("uucs-stop") }).describe("stop the running UUCS testcase, as a person's discomfort does"),
]);

export type Action = z.output<typeof actionSchema>;
