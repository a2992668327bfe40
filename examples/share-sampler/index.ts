/**
 * An example policy in one folder: every `interval` seconds it reads each listed VM's CPU
 * use through the CpuControl port and keeps the share of a CPU it got over that interval.
 */
import { z } from "zod";
import { registerPolicy } from "../../sim/runner/index.js";

const schema = z.strictObject({
  vms: z.array(z.string()).min(1).describe("VMs to watch"),
  interval: z.number().positive().default(1).describe("seconds between samples"),
});

registerPolicy({
  name: "share-sampler",
  schema,
  install({ spec, clock, cpu }) {
    const shares = new Map(spec.vms.map((vm) => [vm, [] as number[]]));
    let last = new Map(spec.vms.map((vm) => [vm, cpu.usage(vm)]));
    clock.every(spec.interval, () => {
      const now = new Map(spec.vms.map((vm) => [vm, cpu.usage(vm)]));
      for (const vm of spec.vms) shares.get(vm)!.push((now.get(vm)! - last.get(vm)!) / spec.interval);
      last = now;
    });
    // Its metrics: summary.json group "share-sampler", keys VM.samples, VM.min_share, VM.max_share.
    return {
      metrics: () =>
        Object.fromEntries(
          [...shares].flatMap(([vm, s]) => [
            [`${vm}.samples`, s.length],
            [`${vm}.min_share`, Math.min(...s)],
            [`${vm}.max_share`, Math.max(...s)],
          ]),
        ),
    };
  },
});
