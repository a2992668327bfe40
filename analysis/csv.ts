/** CSV text from rows (header first), through csv-stringify. */
import { stringify } from "csv-stringify/sync";

export type Cell = string | number | boolean | null | undefined;

export function toCsv(rows: readonly (readonly Cell[])[]): string {
  return stringify(rows as Cell[][], { cast: { number: formatNumber, boolean: (b) => (b ? "true" : "false") } });
}

/** Shortest round-trip form: deterministic across machines. */
function formatNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
}

/** Rows from objects, columns in the given order. */
export function recordsToRows<T extends object>(records: readonly T[], columns: readonly (keyof T & string)[]): Cell[][] {
  return [columns.slice(), ...records.map((r) => columns.map((c) => r[c] as Cell))];
}
