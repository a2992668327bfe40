/**
 * Reading a migration measurements CSV (as `virtuoso measure migration-qemu` writes it):
 * every problem is reported as `row N, column: what is wrong` (row 1 is the header).
 */

import { parseLayout, type MemoryLayout } from "../platform/migration/layout.js";

export interface MeasuredMigration {
  memoryMiB: number;
  dirtyMiBps: number;
  workingSetMiB: number;
  capMiBps: number;
  downtimeLimitMs: number;
  totalMs: number;
  setupMs: number;
  downtimeMs: number;
  transferredBytes: number;
  duplicatePages: number;
  dirtySyncCount: number;
  /** Bytes sent while the guest was stopped (QEMU's `downtime-bytes`, 7.1 on); absent from older tables. */
  downtimeBytes?: number;
  /**
   * The source guest's RAM layout, read once the migration is over (column `layout`,
   * layout.ts): one per row as read; caseMedians gathers a case's repeats' layouts here.
   */
  layouts?: MemoryLayout[];
}

export class MeasurementsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** The numeric fields, each from one column. */
type Quantity = Exclude<keyof MeasuredMigration, "layouts">;

const columns: [Quantity, string, (x: number) => boolean, string][] = [
  ["memoryMiB", "memory_mib", (x) => x > 0, "a positive number"],
  ["dirtyMiBps", "dirty_mibps", (x) => x >= 0, "a number >= 0"],
  ["workingSetMiB", "working_set_mib", (x) => x > 0, "a positive number"],
  ["capMiBps", "cap_mibps", (x) => x > 0, "a positive number"],
  ["downtimeLimitMs", "downtime_limit_ms", (x) => x > 0, "a positive number"],
  ["totalMs", "total_ms", (x) => x > 0, "a positive number"],
  ["setupMs", "setup_ms", (x) => x >= 0, "a number >= 0"],
  ["downtimeMs", "downtime_ms", (x) => x >= 0, "a number >= 0"],
  ["transferredBytes", "transferred_bytes", (x) => x > 0, "a positive number"],
  ["duplicatePages", "duplicate_pages", (x) => Number.isInteger(x) && x >= 0, "an integer >= 0"],
  ["dirtySyncCount", "dirty_sync_count", (x) => Number.isInteger(x) && x >= 1, "an integer >= 1"],
];

/** Read when the header has them (tables from QEMU before 7.1, or from before they were recorded, do not). */
const optionalColumns: [Quantity, string, (x: number) => boolean, string][] = [
  ["downtimeBytes", "downtime_bytes", (x) => x >= 0, "a number >= 0"],
];

/** Parses the CSV text; throws MeasurementsError listing every problem. */
export function parseMeasurements(text: string): MeasuredMigration[] {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  const problems: string[] = [];
  if (!lines.length) throw new MeasurementsError(["row 1: the file is empty; expected a header row"]);
  const header = lines[0].split(",");
  const index = new Map(header.map((h, i) => [h.trim(), i]));
  for (const [, name] of columns) if (!index.has(name)) problems.push(`row 1, ${name}: missing column`);
  if (problems.length) throw new MeasurementsError(problems);
  const rows: MeasuredMigration[] = [];
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r].split(",");
    if (cells.length !== header.length) {
      problems.push(`row ${r + 1}: ${cells.length} cells, the header has ${header.length}`);
      continue;
    }
    const row = {} as MeasuredMigration;
    for (const [key, name, ok, what] of [...columns, ...optionalColumns.filter(([, name]) => index.has(name))]) {
      const cell = cells[index.get(name)!].trim();
      if (cell === "" && optionalColumns.some(([k]) => k === key)) continue; // not reported by this QEMU
      const x = cell === "" ? NaN : Number(cell);
      if (!Number.isFinite(x) || !ok(x)) problems.push(`row ${r + 1}, ${name}: expected ${what}, got "${cell}"`);
      row[key] = x;
    }
    if (index.has("layout")) {
      const cell = cells[index.get("layout")!].trim();
      if (cell !== "") {
        const layout = parseLayout(cell);
        if (typeof layout === "string") problems.push(`row ${r + 1}, layout: ${layout}`);
        else if (layout.length !== Math.ceil(row.memoryMiB)) problems.push(`row ${r + 1}, layout: ${layout.length} MiB chunks for a ${row.memoryMiB} MiB guest`);
        else row.layouts = [layout];
      }
    }
    rows.push(row);
  }
  if (!problems.length && rows.length === 0) problems.push("row 2: no measurements after the header");
  if (problems.length) throw new MeasurementsError(problems);
  return rows;
}

const caseKey = (r: MeasuredMigration) => `${r.memoryMiB},${r.dirtyMiBps},${r.workingSetMiB},${r.capMiBps},${r.downtimeLimitMs}`;

/**
 * One row per case (guest size, dirty rate, working set, cap, downtime limit), in order of first
 * appearance: each measured quantity is the median of that case's repeats (`measure --repeat`),
 * the lower of the middle two for an even count, so integer counts stay integers; the repeats'
 * layouts, if every one has one, are gathered in `layouts`. A table without repeats is
 * returned as it is.
 */
export function caseMedians(rows: readonly MeasuredMigration[]): MeasuredMigration[] {
  const groups = new Map<string, MeasuredMigration[]>();
  for (const r of rows) {
    const g = groups.get(caseKey(r));
    if (g) g.push(r);
    else groups.set(caseKey(r), [r]);
  }
  const median = (g: MeasuredMigration[], k: Quantity) => g.map((r) => r[k]!).sort((a, b) => a - b)[(g.length - 1) >> 1];
  return [...groups.values()].map((g) => {
    if (g.length === 1) return g[0];
    const row: MeasuredMigration = { ...g[0] };
    for (const k of measured) {
      if (g.every((r) => r[k] !== undefined)) row[k] = median(g, k);
      else delete row[k];
    }
    // Every repeat's layout, when each has one: a prediction takes the median over them.
    if (g.every((r) => r.layouts)) row.layouts = g.flatMap((r) => r.layouts!);
    else delete row.layouts;
    return row;
  });
}

const measured = ["totalMs", "setupMs", "downtimeMs", "transferredBytes", "duplicatePages", "dirtySyncCount", "downtimeBytes"] as const;
