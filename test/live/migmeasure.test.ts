/**
 * `measure migration-qemu`'s one migration: a guest that dirties memory, migrated to a second
 * QEMU process, with QEMU's own statistics and the destination guest's health. Asserts what
 * QEMU's pre-copy guarantees, not timings (the machine may be busy).
 */
import { probeQemu, buildGuest, guestDir } from "../../sim/live/vm/index.js";
import { measureMigration } from "../../sim/live/migmeasure/index.js";
import { which } from "../../sim/live/backends.js";
import { liveTest } from "./vm-env.js";

const why = probeQemu() ?? (which("cc") ? undefined : "cc is needed to build the guest's memory dirtier");

liveTest("a dirtying guest migrates: every page at least once, its buffer whole, five or more syncs, and the guest runs on at the destination", why, async (t) => {
  t.timeout(300_000);
  const guest = buildGuest(`${guestDir()}-dirty`);
  // 8 MiB/s dirtied against a 32 MiB/s cap: several passes before the stop (under TCG without
  // pti=on, nine in ten such migrations left the destination guest to panic).
  const m = await measureMigration(guest, { memoryMiB: 128, dirtyMiBps: 8, workingSetMiB: 32, capMiBps: 32, downtimeLimitMs: 300 });
  const pages = (128 << 20) / 4096;
  t.true(m.duplicatePages + m.normalPages >= pages, `${m.duplicatePages} zero + ${m.normalPages} nonzero pages < ${pages}`);
  // The dirtier filled its 32 MiB with nonzero words: those pages go whole.
  t.true(m.normalPages >= (32 << 20) / 4096, `${m.normalPages} nonzero pages`);
  t.true(m.transferredBytes >= m.normalPages * 4096);
  // The setup's sync, at least one before the stop check passes, and the final one.
  t.true(m.dirtySyncCount >= 3, `${m.dirtySyncCount} syncs`);
  t.true(m.downtimeMs <= m.totalMs && m.setupMs <= m.totalMs);
  t.true(m.dirtySyncCount >= 5, `${m.dirtySyncCount} syncs`);
  t.is(m.health, "ok");
  t.log(`health ${m.health}, ${m.totalMs} ms, ${m.dirtySyncCount} syncs`);
});

liveTest("a working set the guest cannot hold is refused with the guest's own figure, not a kernel panic", why, async (t) => {
  t.timeout(300_000);
  const guest = buildGuest(`${guestDir()}-dirty`);
  // 120 MiB in a 128 MiB guest cannot fit: the kernel alone keeps more than 8 MiB.
  const e = await t.throwsAsync(measureMigration(guest, { memoryMiB: 128, dirtyMiBps: 0, workingSetMiB: 120, capMiBps: 128, downtimeLimitMs: 300 }));
  t.regex(e!.message, /128 MiB guest, 120 MiB working set: a 120 MiB working set does not fit: the guest has \d+ MiB available/);
  t.is(e!.name, "MeasurementError");
});
