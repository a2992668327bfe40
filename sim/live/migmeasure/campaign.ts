/**
 * A measurement campaign: every combination of guest size, dirty rate and bandwidth cap,
 * migrated one after another, written as one CSV row each (the columns `calibrate migration`
 * reads).
 */
import { toCsv } from "../../../analysis/csv.js";
import { OutputError, writeAtomic } from "../../../analysis/output.js";
import type { Guest } from "../vm/guest.js";
import { MeasurementError, measureMigration, type MigrationMeasurement } from "./measure.js";

export interface Campaign {
  sizesMiB: number[];
  ratesMiBps: number[];
  capsMiBps: number[];
  workingSetMiB: number;
  downtimeLimitMs: number;
  /** Times round the table (each case measured this many times, one row each); default 1. */
  repeat?: number;
}

export const measurementColumns = [
  "memory_mib", "dirty_mibps", "working_set_mib", "cap_mibps", "downtime_limit_ms", "accel",
  "total_ms", "setup_ms", "downtime_ms", "transferred_bytes", "duplicate_pages", "normal_pages", "dirty_sync_count", "precopy_bytes", "downtime_bytes", "health", "layout",
] as const;

function row(m: MigrationMeasurement): (string | number)[] {
  return [m.memoryMiB, m.dirtyMiBps, m.workingSetMiB, m.capMiBps, m.downtimeLimitMs, m.accel, m.totalMs, m.setupMs, m.downtimeMs, m.transferredBytes, m.duplicatePages, m.normalPages, m.dirtySyncCount, blank(m.precopyBytes), blank(m.downtimeBytes), m.health, m.layout];
}

/** QEMU before 7.1 has no precopy/downtime byte counts: an empty cell, not "NaN". */
const blank = (x: number) => (Number.isFinite(x) ? x : "");

/** Runs the campaign and writes `out` (atomically, at the end); `log` gets one line per case. */
export async function runCampaign(guest: Guest, c: Campaign, out: string, log: (line: string) => void): Promise<MigrationMeasurement[]> {
  const results: MigrationMeasurement[] = [];
  // Repeats go round the whole table, so a slow spell of the machine spreads over cases
  // instead of landing on one case's every repeat.
  for (let rep = 0; rep < (c.repeat ?? 1); rep++)
  for (const memoryMiB of c.sizesMiB)
    for (const capMiBps of c.capsMiBps)
      for (const dirtyMiBps of c.ratesMiBps) {
        let m: MigrationMeasurement;
        try {
          m = await measureMigration(guest, { memoryMiB, dirtyMiBps, workingSetMiB: c.workingSetMiB, capMiBps, downtimeLimitMs: c.downtimeLimitMs });
        } catch (e) {
          // Nothing is written: a campaign is one CSV or none. Say which case failed and why.
          const why = e instanceof Error ? e.message : String(e);
          throw new OutputError(`measure: ${memoryMiB} MiB, ${dirtyMiBps} MiB/s dirty, cap ${capMiBps} MiB/s: ${why}; nothing written`, e instanceof MeasurementError ? 2 : 1);
        }
        results.push(m);
        log(`${memoryMiB} MiB, ${dirtyMiBps} MiB/s dirty, cap ${capMiBps} MiB/s: ${m.totalMs} ms, downtime ${m.downtimeMs} ms (${m.downtimeBytes} B), ${m.transferredBytes} B, ${m.dirtySyncCount} syncs, guest ${m.health}`);
      }
  writeAtomic(out, toCsv([measurementColumns.slice(), ...results.map(row)]));
  return results;
}
