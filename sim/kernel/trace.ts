/**
 * Typed, column-stored trace tables that components append rows to. Numeric columns grow
 * as typed arrays, so a long trace costs 8 bytes per number rather than an object per row.
 */
export type ColumnType = "f64" | "i32" | "str";
export type Columns = Record<string, ColumnType>;
type Cell<T extends ColumnType> = T extends "str" ? string : number;
export type Row<C extends Columns> = { [K in keyof C]: Cell<C[K]> }[keyof C][];

type Store = Float64Array | Int32Array | string[];

export class TraceTable<C extends Columns = Columns> {
  private stores: Store[];
  private n = 0;
  private cap = 256;
  readonly names: string[];
  readonly types: ColumnType[];

  constructor(readonly name: string, columns: C) {
    this.names = Object.keys(columns);
    this.types = this.names.map((k) => columns[k]);
    this.stores = this.types.map((t) => alloc(t, this.cap));
  }

  get length(): number {
    return this.n;
  }

  /** Appends one row; values in column order. */
  row(...values: (string | number)[]): void {
    if (values.length !== this.stores.length) {
      throw new Error(`trace ${this.name}: row has ${values.length} values, table has ${this.stores.length} columns`);
    }
    if (this.n === this.cap) this.grow();
    for (let i = 0; i < values.length; i++) (this.stores[i] as (string | number)[])[this.n] = values[i];
    this.n++;
  }

  column(name: keyof C & string): ArrayLike<number | string> {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`trace ${this.name}: no column ${name}`);
    return this.stores[i].slice(0, this.n);
  }

  /** Rows as arrays, header first; ready for CSV. */
  rows(): (string | number)[][] {
    const out: (string | number)[][] = [this.names.slice()];
    for (let r = 0; r < this.n; r++) out.push(this.stores.map((s) => s[r]));
    return out;
  }

  private grow(): void {
    this.cap *= 2;
    this.stores = this.stores.map((s, i) => {
      if (Array.isArray(s)) return s;
      const next = alloc(this.types[i], this.cap) as Float64Array | Int32Array;
      next.set(s as never);
      return next;
    });
  }
}

function alloc(t: ColumnType, n: number): Store {
  return t === "f64" ? new Float64Array(n) : t === "i32" ? new Int32Array(n) : [];
}

export class TraceRecorder {
  private tables = new Map<string, TraceTable<any>>();

  table<C extends Columns>(name: string, columns: C): TraceTable<C> {
    const existing = this.tables.get(name);
    if (existing) return existing as TraceTable<C>;
    const t = new TraceTable(name, columns);
    this.tables.set(name, t);
    return t;
  }

  /** All tables, in creation order. */
  all(): TraceTable<any>[] {
    return [...this.tables.values()];
  }
}
