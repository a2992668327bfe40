/** How `virtuoso live` runs a scenario; `virtuoso run` ignores it. */
import { z } from "zod";
import { bandwidth, id, positiveSeconds, seconds } from "./quantities.js";

export const liveSchema = z.strictObject({
  vms: z.enum(["process", "qemu"]).default("process").describe("what a VM becomes live: a process (a shell loop or program) or a QEMU virtual machine booting the live guest"),
  backend: z.enum(["signals", "deadline", "cgroup"]).optional().describe("CPU mechanism when `virtuoso live` is given no --backend (default deadline)"),
  bootTimeout: positiveSeconds.default(180).describe("qemu: seconds a guest may take to reach /init before the run fails"),
  migrations: z.array(z.strictObject({
    vm: id.describe("the VM to move"),
    to: id.describe("the scenario host it moves to (live, every host is this machine: a new QEMU process takes over)"),
    at: seconds.describe("wall seconds after the guests have booted"),
  })).default([]).describe("qemu: live migrations, each through the live Placement.migrate (QEMU pre-copy between two QEMU processes; downtime-limit is platform.migration.downtimeBudget)"),
  migration: z.strictObject({
    maxBandwidth: bandwidth.optional().describe("QEMU max-bandwidth, bytes per second (default QEMU's own)"),
    autoConverge: z.boolean().default(false).describe("QEMU auto-converge: throttle the guest's vCPU when pre-copy does not converge"),
  }).default({ autoConverge: false }).describe("qemu: QEMU migration settings beyond platform.migration"),
}).describe("live mode settings");
