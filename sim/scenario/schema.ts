/**
 * The scenario format, defined once: zod gives the TypeScript types, the validation and
 * the exported JSON Schema (`virtuoso schema`). Objects are strict, so a misspelt field is
 * an error rather than a silently ignored default.
 */
import { z } from "zod";
import { loadSchema } from "../platform/host/load.js";
import { migrationSchema } from "../platform/migration/precopy.js";
import { networkSchema } from "../platform/network/schema.js";
import { overlaySchema } from "../platform/overlay/schema.js";
import { adaptSchema } from "../control/adapt-schema.js";
import { rateControlSchema } from "../control/schema.js";
import { vreserveSchema } from "../control/vreserve.js";
import { experimentSchema } from "../experiments/schema.js";
import { vschedSchema } from "../vsched/schema.js";
import { vttifSchema } from "../vttif/schema.js";
import { wrenSchema } from "../wren/schema.js";
import { workloadSchema } from "../workload/schema.js";
import { registeredWorkloads, workloadUnion } from "../workload/registry.js";
import { userPolicySchema } from "../user/schema.js";
import { actionSchema } from "../steer/schema.js";
import { uucsPolicySchema } from "../uucs/schema.js";
import { liveSchema } from "./live.js";
import { bytes, fraction, id, positiveBytes, positiveCount, positiveSeconds, seconds, speed } from "./quantities.js";
import { keepDefaults } from "./units.js";

export const hostSchema = z.strictObject({
  id: id.describe("host name; with `count`, the prefix of names id0..id{count-1}"),
  count: positiveCount.max(100_000).optional().describe("expand into this many identical hosts"),
  cores: positiveCount.max(4096).default(1),
  speed: speed.default(1e9).describe("operations per second per core"),
  scheduler: z.enum(["fair", "vsched"]).default("fair").describe("CPU scheduler: fair processor sharing, or VSched periodic real-time (EDF) with leftover time shared fairly"),
  tick: positiveSeconds.default(0.001).describe("timer tick: the dispatcher acts only on its boundaries (0.01 like Linux 2.4, 0.001 like 2.6)"),
  dispatchOverhead: seconds.default(0).describe("CPU time consumed by each context switch"),
  uMax: fraction.default(1).describe("utilization bound per core for admission control"),
  overheadReserve: fraction.default(0).describe("share of each core kept for the dispatcher; admission bound is uMax - overheadReserve"),
  admission: z.boolean().default(true).describe("refuse reservations beyond the bound or finer than the tick (off to measure beyond the limits)"),
  vnicLatency: seconds.default(0).describe("one-way latency between a VM and its host's network (virtual NIC, bridge)"),
  externalLoad: loadSchema.optional().describe("non-VM CPU load on the host"),
});

export const vmSchema = z.strictObject({
  id,
  host: id.describe("id of the host the VM starts on"),
  vcpus: positiveCount.max(4096).default(1),
  memory: positiveBytes.default(1 << 30),
  dirtyRate: bytes.default(0).describe("bytes of memory dirtied per CPU-second of computing"),
  wallDirtyRate: bytes.default(0).describe("bytes of memory dirtied per second of wall time while running, whatever its CPU use (migration model qemu)"),
  workingSet: bytes.optional().describe("most distinct bytes dirtied between two dirty-bitmap syncs (migration model qemu); default: all of memory"),
  touched: bytes.optional().describe("bytes of memory holding nonzero data; the rest are zero pages (migration model qemu); default: from platform.migration.touched"),
});

const defaultNetwork = { topology: { kind: "switch" as const, bandwidth: 125e6, latency: 5e-5 } };

export const platformSchema = z.strictObject({
  hosts: z.array(hostSchema).default([]),
  network: networkSchema.default(networkSchema.parse(defaultNetwork)).describe("physical network; default: one switch, 125 MB/s and 50 us per host link"),
  overlay: overlaySchema.default(overlaySchema.parse({})),
  migration: migrationSchema.default(migrationSchema.parse({})),
});

export const policiesSchema = z.strictObject({
  vsched: vschedSchema.default(vschedSchema.parse({})),
  vttif: vttifSchema.default(vttifSchema.parse({})),
  wren: wrenSchema.default(wrenSchema.parse({})),
  adapt: adaptSchema.optional().describe("VADAPT closed loop: VTTIF + Wren drive migration, overlay links and forwarding rules"),
  vreserve: vreserveSchema.default(vreserveSchema.parse({})),
  control: rateControlSchema.optional().describe("global rate controller for BSP applications on VSched hosts"),
  user: userPolicySchema.optional().describe("simulated people steering interactive VMs: the user-driven scheduling button or the joystick"),
  uucs: uucsPolicySchema.optional().describe("UUCS testcases a run may start and stop by hand (steering actions uucs-start, uucs-stop; the console)"),
  extensions: z.record(id, z.unknown()).optional().describe("settings of policies registered with registerPolicy, by name; each checked by its own schema"),
}).describe("policy settings (VSched, VTTIF, Wren, VADAPT, control)");

export const outputsSchema = z.strictObject({
  tables: z.array(id).optional().describe("trace tables to write as CSV; all when absent"),
  figures: z.boolean().default(true).describe("render SVG figures"),
});

export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: id,
  description: z.string().max(10_000).default(""),
  seed: z.number().int().nonnegative().max(2 ** 53 - 1).default(1),
  duration: positiveSeconds.describe("simulated seconds"),
  platform: platformSchema.default(platformSchema.parse({})),
  vms: z.array(vmSchema).default([]),
  workloads: z.array(workloadSchema).default([]),
  policies: policiesSchema.default(policiesSchema.parse({})),
  outputs: outputsSchema.default({ figures: true }),
  actions: z.array(actionSchema).max(100_000).optional().describe("steering actions at simulated times, as `virtuoso console` records them; the run replays them exactly"),
  live: liveSchema.optional().describe("how `virtuoso live` runs this scenario"),
  experiment: experimentSchema.optional().describe("run many variants of this scenario and draw a paper's figure"),
  sweep: z
    .strictObject({
      grid: z.array(z.strictObject({ path: z.string().min(1), values: z.array(z.unknown()).min(1) })).default([]).describe("axes: each a field path and its values"),
      reps: positiveCount.default(1),
    })
    .optional()
    .describe("what `virtuoso sweep` runs when no --grid is given"),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type HostSpec = z.output<typeof hostSchema>;
export type VmSpec = z.output<typeof vmSchema>;

let extended: { version: number; schema: typeof scenarioSchema } | undefined;

/** The scenario schema with every workload kind registered now (registerWorkload), rebuilt
 * only when the registry changes. */
export function currentScenarioSchema(): typeof scenarioSchema {
  const { version, kinds } = registeredWorkloads();
  if (kinds.length === 0) return scenarioSchema;
  if (extended?.version !== version) extended = { version, schema: scenarioSchema.extend({ workloads: z.array(workloadUnion()).default([]) }) as unknown as typeof scenarioSchema };
  return extended.schema;
}

export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(currentScenarioSchema(), { io: "input", override: keepDefaults });
}
