export { migrate, migrationSchema, qemuInput, type MigrationSpec, type MigrationReport } from "./precopy.js";
export { qemuPrecopy, type QemuPrecopyInput, type QemuPrecopyResult, type AutoConverge } from "./qemu.js";
export { encodeLayout, parseLayout, layoutStretches, LAYOUT_CHUNK, type MemoryLayout } from "./layout.js";
