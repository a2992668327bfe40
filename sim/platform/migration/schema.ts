/** Migration settings: the classic pre-copy recurrence, or QEMU's pre-copy (qemu.ts). */
import { z } from "zod";
import { bandwidth, bytes, fraction, positiveCount, positiveSeconds, seconds } from "../../scenario/quantities.js";
import { quantity } from "../../scenario/units.js";

export const autoConvergeSchema = z.strictObject({
  initial: fraction.default(0.2).describe("first guest throttle (QEMU cpu-throttle-initial)"),
  increment: fraction.default(0.1).describe("added at each later throttle step (QEMU cpu-throttle-increment)"),
  max: fraction.default(0.99).describe("throttle ceiling (QEMU max-cpu-throttle)"),
});

export const migrationSchema = z.strictObject({
  model: z.enum(["classic", "qemu"]).default("classic").describe("classic: the paper-era recurrence over the flow network; qemu: QEMU 7.2's pre-copy (zero pages, working set, periodic threshold check, unthrottled stop-and-copy)"),
  downtimeBudget: seconds.default(0.03).describe("classic: stop and copy once the remainder would take at most this long; qemu: QEMU's downtime-limit"),
  maxRounds: positiveCount.default(30).describe("classic: pre-copy rounds before stopping regardless; qemu: dirty-bitmap syncs before stopping regardless (QEMU itself has no such limit)"),
  switchover: seconds.default(0).describe("fixed cost of resuming on the target, added to downtime"),
  bandwidth: bandwidth.optional().describe("qemu: pre-copy rate limit, bytes/s (QEMU max-bandwidth); default: none"),
  bandwidthScale: z.number().positive().default(1).describe("qemu: what QEMU's rate limit lets through per byte/s of bandwidth (it overshoots a little)"),
  stopCopyRate: bandwidth.optional().describe("qemu: bytes/s with the guest paused (unthrottled); default: the route's bottleneck; pre-copy never exceeds it either"),
  firstCopyRate: bandwidth.optional().describe("qemu: bytes/s for nonzero pages the target has not held before (it allocates its memory as they arrive); default: stopCopyRate"),
  checkInterval: positiveSeconds.default(0.1).describe("qemu: rate-limit window and threshold check period, seconds"),
  maxWait: positiveSeconds.default(0.05).describe("qemu: longest QEMU sends within a window before it checks again (MAX_WAIT); a window whose bytes take longer gets a check mid-window"),
  pageSize: quantity("size", z.number().int().positive()).default(4096).describe("qemu: bytes per page"),
  pageHeader: bytes.default(8).describe("qemu: bytes of header per page sent; a zero page is a header and one byte"),
  setup: seconds.default(0).describe("qemu: time before the first pass (QEMU setup-time)"),
  switchoverBytes: bytes.default(0).describe("qemu: device state sent with the guest paused"),
  touched: z
    .strictObject({
      base: bytes.default(0).describe("bytes"),
      perMemory: fraction.default(1).describe("share of memory"),
      perWorkingSet: fraction.default(0).describe("share of the VM's own workingSet (memory it writes, so nonzero)"),
    })
    .default({ base: 0, perMemory: 1, perWorkingSet: 0 })
    .describe("qemu: nonzero memory of a VM that does not set its own `touched`: min(memory, base + perMemory x memory + perWorkingSet x its workingSet); the rest are zero pages"),
  touchedTail: fraction
    .optional()
    .describe("qemu: share of a VM's nonzero memory at the top of its RAM, which the first pass reaches after every zero page (Linux's layout: kernel low, free memory, top-down allocations and the initrd high); default: zero and nonzero pages evenly mixed"),
  checkPhase: z
    .union([z.number().min(0).lt(1), z.literal("random")], { error: 'expected a number in [0, 1) or "random"' })
    .optional()
    .describe("qemu: where the threshold checks lie, as a fraction of checkInterval: the first window is (1 - checkPhase) x checkInterval long (QEMU's grid drifts from run to run); \"random\": drawn for each migration from the stream platform.migration.checkPhase; absent: 0"),
  workingSetExtra: bytes.default(0).describe("qemu: bytes the guest system dirties between syncs beyond a VM's own workingSet"),
  autoConverge: autoConvergeSchema.optional().describe("qemu: throttle the guest when it dirties faster than migration sends (QEMU auto-converge); default: off"),
});

export type MigrationSpec = z.output<typeof migrationSchema>;
