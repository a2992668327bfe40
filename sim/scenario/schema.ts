/**
 * The scenario format, defined once: zod gives the TypeScript types, the validation and
 * the exported JSON Schema (`virtuoso schema`). Objects are strict, so a misspelt field is
 * an error rather than a silently ignored default.
 */
import { z } from "zod";
import { workloadSchema } from "../workload/schema.js";
import { id, positiveCount, positiveSeconds } from "./quantities.js";

export const hostSchema = z.strictObject({
  id: id.describe("host name; with `count`, the prefix of names id0..id{count-1}"),
  count: positiveCount.optional().describe("expand into this many identical hosts"),
  cores: positiveCount.default(1),
  speed: z.number().positive().default(1e9).describe("operations per second per core"),
});

export const vmSchema = z.strictObject({
  id,
  host: id.describe("id of the host the VM starts on"),
  vcpus: positiveCount.default(1),
  memory: z.number().positive().default(1 << 30).describe("bytes"),
});

export const platformSchema = z.strictObject({
  hosts: z.array(hostSchema).default([]),
});

export const policiesSchema = z.strictObject({}).describe("policy settings (VSched, VTTIF, Wren, VADAPT, control)");

export const outputsSchema = z.strictObject({
  tables: z.array(id).optional().describe("trace tables to write as CSV; all when absent"),
  figures: z.boolean().default(true).describe("render SVG figures"),
});

export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: id,
  description: z.string().default(""),
  seed: z.number().int().nonnegative().max(2 ** 53 - 1).default(1),
  duration: positiveSeconds.describe("simulated seconds"),
  platform: platformSchema.default({ hosts: [] }),
  vms: z.array(vmSchema).default([]),
  workloads: z.array(workloadSchema).default([]),
  policies: policiesSchema.default({}),
  outputs: outputsSchema.default({ figures: true }),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type HostSpec = z.output<typeof hostSchema>;
export type VmSpec = z.output<typeof vmSchema>;

export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: "input" });
}
