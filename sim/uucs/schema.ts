/**
 * `policies.uucs`: the UUCS testcases a run may start by name (a steering action, or the
 * console's "start testcase"), and which host's CPU a testcase borrows in simulation.
 */
import { z } from "zod";
import { id } from "../scenario/quantities.js";
import { testcaseBodySchema } from "./testcase.js";

export const uucsPolicySchema = z.strictObject({
  host: id.optional().describe("the host whose CPU a testcase borrows in simulation; default: the first host"),
  testcases: z.array(testcaseBodySchema).max(1000).default([]).describe("UUCS testcases, as in testcase files, each with its own name"),
});

export type UucsPolicy = z.output<typeof uucsPolicySchema>;
