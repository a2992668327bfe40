// QEMU virtual machines for live mode: the guest, QMP, a VM's lifecycle and threads, and CPU
// control on its vCPU threads.
export { buildGuest, cachedGuest, guestDir, type Guest } from "./guest.js";
export { Qmp, QmpError } from "./qmp.js";
export { chooseAccel, probeQemu, QEMU, QemuVm, TLS_CLIENT, TLS_SERVER, type Accel, type GuestTransfer, type VmOptions } from "./qemu.js";
export { CLOCK_WINDOW_S, GuestClock } from "./guestclock.js";
export { VmCgroup, VmDeadline, VmSignals } from "./cpu.js";
export { advancing, policy, startTime, threadCpuSeconds, threadIds, threadName } from "./threads.js";
export { runLiveVms } from "./run.js";
export { migrateVm, migrationFigures, sendMigration, type LiveMigrationReport, type MigrateOptions, type MigrationParams, type QueryMigrate } from "./migrate.js";
export { leftoverLinks, macOf, probeVmNetwork, VmNetwork, type VmPort } from "./net.js";
export { bspParam, GUEST_PATTERNS, rankParam, rankPlan } from "./bsp.js";
