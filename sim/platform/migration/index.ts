export { migrate, migrationSchema, nonzeroMemory, qemuInput, type MigrationSpec, type MigrationReport } from "./precopy.js";
export { qemuPrecopy, type QemuPrecopyInput, type QemuPrecopyResult, type AutoConverge } from "./qemu.js";
export { encodeLayout, parseLayout, layoutStretches, LAYOUT_CHUNK, LAYOUT_PAGE, type MemoryLayout } from "./layout.js";
