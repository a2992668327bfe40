/** Simulated people in the loop (`policies.user`): who sits at which VM, and how they steer it. */
import { z } from "zod";
import { fraction, id, positiveSeconds, seconds } from "../scenario/quantities.js";

export const comfortSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("fixed"), value: positiveSeconds }),
    z.strictObject({ kind: z.literal("uniform"), min: positiveSeconds, max: positiveSeconds }),
    z.strictObject({ kind: z.literal("lognormal"), median: positiveSeconds, sigma: z.number().nonnegative().max(10) }),
  ])
  .describe("comfort threshold: the response time (s) past which this person is uncomfortable, drawn once per run from the stream user.<id>.comfort");

export const buttonSchema = z.strictObject({
  period: positiveSeconds.default(0.05).describe("period of the VM's reservation"),
  interval: positiveSeconds.default(2).describe("seconds between increases of the borrowed rate"),
  initial: z.number().positive().max(1).default(0.05).describe("share of the core borrowed after a reset"),
  threshold: fraction.default(0.5).describe("slow-start threshold before the first press"),
  factor: z.number().gt(1).max(16).default(2).describe("slow start: the rate is multiplied by this each interval while below the threshold"),
  increment: fraction.default(0.02).describe("linear increase per interval at or above the threshold"),
  max: z.number().positive().max(1).default(0.95).describe("most of the core that may be taken from the VM"),
});

export const joystickSchema = z.strictObject({
  period: positiveSeconds.default(0.05).describe("period the person holds"),
  interval: positiveSeconds.default(2).describe("seconds between moves"),
  initial: z.number().positive().max(1).default(1).describe("utilization (slice/period) to start at"),
  step: z.number().positive().max(1).default(0.2),
  minStep: z.number().positive().max(1).default(0.01).describe("the step halves on each reversal or refusal, down to this"),
  min: z.number().positive().max(1).default(0.02).describe("lowest utilization the stick reaches"),
});

export const userSchema = z.strictObject({
  id,
  vm: id.describe("the interactive VM this person sits at (on a VSched host)"),
  app: id.describe("the interactive workload whose response times they perceive"),
  control: z.enum(["button", "joystick"]).default("button"),
  comfort: comfortSchema.default({ kind: "lognormal", median: 0.1, sigma: 0.5 }),
  window: z.number().int().positive().max(1000).default(3).describe("button: responses averaged for one judgement"),
  reaction: seconds.default(0.5).describe("button: seconds from noticing to pressing"),
  refractory: seconds.default(5).describe("button: least seconds between presses"),
  start: seconds.default(0),
  button: buttonSchema.default(buttonSchema.parse({})),
  joystick: joystickSchema.default(joystickSchema.parse({})),
});

export const userPolicySchema = z.strictObject({
  users: z.array(userSchema).min(1),
});

export type UserSpec = z.output<typeof userSchema>;
export type UserPolicySpec = z.output<typeof userPolicySchema>;
