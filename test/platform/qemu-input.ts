/** A qemu pre-copy input for model tests: a 256 MiB guest, all nonzero, idle, 32 MiB/s cap; `o` overrides. */
import type { QemuPrecopyInput } from "../../sim/platform/migration/index.js";

const MiB = 1 << 20;

export const qemuInput = (o: Partial<QemuPrecopyInput>): QemuPrecopyInput => ({
  memory: 256 * MiB,
  touched: 256 * MiB,
  bandwidth: 32 * MiB,
  stopCopyRate: 1e9,
  firstCopyRate: 1e9,
  dirtyRate: 0,
  workingSet: 256 * MiB,
  downtimeLimit: 0.3,
  checkInterval: 0.1,
  pageSize: 4096,
  pageHeader: 8,
  setup: 0,
  switchover: 0,
  switchoverBytes: 0,
  maxRounds: 1000,
  ...o,
});
