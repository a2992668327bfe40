/** How `virtuoso live` runs a scenario; `virtuoso run` ignores it. */
import { z } from "zod";
import { positiveSeconds } from "./quantities.js";

export const liveSchema = z.strictObject({
  vms: z.enum(["process", "qemu"]).default("process").describe("what a VM becomes live: a process (a shell loop or program) or a QEMU virtual machine booting the live guest"),
  backend: z.enum(["signals", "deadline", "cgroup"]).optional().describe("CPU mechanism when `virtuoso live` is given no --backend (default deadline)"),
  bootTimeout: positiveSeconds.default(180).describe("qemu: seconds a guest may take to reach /init before the run fails"),
}).describe("live mode settings");
