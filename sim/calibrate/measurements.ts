/**
 * Reading a migration measurements CSV (as `virtuoso measure migration-qemu` writes it):
 * every problem is reported as `row N, column: what is wrong` (row 1 is the header).
 */

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
}

export class MeasurementsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

const columns: [keyof MeasuredMigration, string, (x: number) => boolean, string][] = [
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
    for (const [key, name, ok, what] of columns) {
      const cell = cells[index.get(name)!].trim();
      const x = cell === "" ? NaN : Number(cell);
      if (!Number.isFinite(x) || !ok(x)) problems.push(`row ${r + 1}, ${name}: expected ${what}, got "${cell}"`);
      row[key] = x;
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
 * the lower of the middle two for an even count, so integer counts stay integers. A table
 * without repeats is returned as it is.
 */
export function caseMedians(rows: readonly MeasuredMigration[]): MeasuredMigration[] {
  const groups = new Map<string, MeasuredMigration[]>();
  for (const r of rows) {
    const g = groups.get(caseKey(r));
    if (g) g.push(r);
    else groups.set(caseKey(r), [r]);
  }
  const median = (g: MeasuredMigration[], k: keyof MeasuredMigration) => g.map((r) => r[k]).sort((a, b) => a - b)[(g.length - 1) >> 1];
  return [...groups.values()].map((g) =>
    g.length === 1 ? g[0] : ({ ...g[0], ...Object.fromEntries(measured.map((k) => [k, median(g, k)])) } as MeasuredMigration),
  );
}

const measured = ["totalMs", "setupMs", "downtimeMs", "transferredBytes", "duplicatePages", "dirtySyncCount"] as const;
