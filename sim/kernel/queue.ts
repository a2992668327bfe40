/**
 * Pending events, totally ordered by (time, priority, sequence).
 *
 * A d-ary heap over typed arrays, so pushing, popping and cancelling allocate nothing. Each
 * heap entry's two keys sit side by side in one Float64Array: its time, and an `order` that
 * packs priority and insertion sequence into one exact float64
 * (`(priority + PRIORITY_BIAS) * SEQ_SPACE + sequence`), so one comparison reads 16
 * contiguous bytes. Payloads (callback + argument) live in slots; the heap holds slot
 * numbers and `pos` maps a slot back to its heap position, which keeps cancellation
 * O(log n). A handle names a slot plus a generation, so a stale handle can never cancel a
 * reused slot.
 */
export type Callback = (arg: any) => void;

/** Handle of a queued event: `generation * SLOT_SPACE + slot`, exact in a float64. */
export type Handle = number;

const SLOT_SPACE = 2 ** 25;
const GEN_SPACE = 2 ** 28;
/** Priorities are integers in [MIN_PRIORITY, MAX_PRIORITY]: 10 bits of the packed order. */
export const MIN_PRIORITY = -512;
export const MAX_PRIORITY = 511;
const PRIORITY_BIAS = 512;
/** Sequence numbers below 2^43; at the limit the pending ones are renumbered (order kept). */
const SEQ_SPACE = 2 ** 43;
/** log2 of the heap's arity: 4 children per entry (measured against 2 on PHOLD; see sim/bench). */
const SHIFT = 2;
const ARITY = 1 << SHIFT;

export class EventQueue {
  private cap: number;
  private n = 0;
  private nextSeq = 0;
  private readonly seqSpace: number;
  // Heap, by position: keys[2i] = time, keys[2i + 1] = order; slotAt[i] = its slot.
  private keys: Float64Array;
  private slotAt: Int32Array;
  // Slots: heap position (-1 when free), generation, free list, payload.
  private pos: Int32Array;
  private gen: Uint32Array;
  private free: Int32Array;
  private nFree = 0;
  private fns: (Callback | undefined)[] = [];
  private args: unknown[] = [];

  /** Filled by `pop()`. */
  poppedTime = 0;
  poppedFn: Callback | undefined;
  poppedArg: unknown;

  /** `seqSpace` lowers the renumbering threshold, for tests only. */
  constructor(capacity = 1024, seqSpace = SEQ_SPACE) {
    this.cap = Math.max(16, capacity);
    this.seqSpace = Math.min(seqSpace, SEQ_SPACE);
    this.keys = new Float64Array(2 * this.cap);
    this.slotAt = new Int32Array(this.cap);
    this.pos = new Int32Array(this.cap).fill(-1);
    this.gen = new Uint32Array(this.cap);
    this.free = new Int32Array(this.cap);
    for (let i = this.cap - 1; i >= 0; i--) this.free[this.nFree++] = i;
    this.fns.length = this.cap;
    this.args.length = this.cap;
  }

  get size(): number {
    return this.n;
  }

  /** Time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.keys[0] : Infinity;
  }

  /** Bytes held by the queue's arrays (payload objects not included). */
  get bytes(): number {
    return this.keys.byteLength + this.slotAt.byteLength + this.pos.byteLength + this.gen.byteLength + this.free.byteLength + 8 * (this.fns.length + this.args.length);
  }

  push(time: number, priority: number, fn: Callback, arg?: unknown): Handle {
    if (!(priority >= MIN_PRIORITY && priority <= MAX_PRIORITY && (priority | 0) === priority)) {
      throw new RangeError(`priority must be an integer in [${MIN_PRIORITY}, ${MAX_PRIORITY}], got ${priority}`);
    }
    if (this.nFree === 0) this.grow();
    if (this.nextSeq === this.seqSpace) this.renumber();
    const slot = this.free[--this.nFree];
    this.fns[slot] = fn;
    this.args[slot] = arg;
    this.siftUp(this.n++, time, (priority + PRIORITY_BIAS) * this.seqSpace + this.nextSeq++, slot);
    return this.gen[slot] * SLOT_SPACE + slot;
  }

  /** Removes a pending event; false if it already ran or was cancelled. */
  cancel(handle: Handle): boolean {
    const slot = handle % SLOT_SPACE;
    if (!(slot >= 0 && slot < this.cap) || this.gen[slot] !== (handle - slot) / SLOT_SPACE) return false;
    const i = this.pos[slot];
    if (i < 0) return false;
    this.release(slot);
    const last = --this.n;
    if (i !== last) {
      const keys = this.keys;
      const t = keys[2 * last], o = keys[2 * last + 1], sl = this.slotAt[last];
      const up = (i - 1) >> SHIFT;
      if (i > 0 && (t < keys[2 * up] || (t === keys[2 * up] && o < keys[2 * up + 1]))) this.siftUp(i, t, o, sl);
      else this.siftDown(i, t, o, sl);
    }
    return true;
  }

  /** True if the handle's event is still pending. */
  pending(handle: Handle): boolean {
    const slot = handle % SLOT_SPACE;
    return slot >= 0 && slot < this.cap && this.gen[slot] === (handle - slot) / SLOT_SPACE && this.pos[slot] >= 0;
  }

  /** Removes the first event into `popped*`; false when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const slot = this.slotAt[0];
    this.poppedTime = this.keys[0];
    this.poppedFn = this.fns[slot];
    this.poppedArg = this.args[slot];
    this.release(slot);
    const last = --this.n;
    if (last > 0) this.siftDown(0, this.keys[2 * last], this.keys[2 * last + 1], this.slotAt[last]);
    return true;
  }

  private release(slot: number): void {
    this.pos[slot] = -1;
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.gen[slot] = (this.gen[slot] + 1) % GEN_SPACE;
    this.free[this.nFree++] = slot;
  }

  private siftUp(i: number, t: number, o: number, slot: number): void {
    const keys = this.keys, slotAt = this.slotAt, pos = this.pos;
    while (i > 0) {
      const up = (i - 1) >> SHIFT;
      const ut = keys[2 * up];
      if (ut < t || (ut === t && keys[2 * up + 1] < o)) break;
      keys[2 * i] = ut;
      keys[2 * i + 1] = keys[2 * up + 1];
      pos[(slotAt[i] = slotAt[up])] = i;
      i = up;
    }
    keys[2 * i] = t;
    keys[2 * i + 1] = o;
    slotAt[i] = slot;
    pos[slot] = i;
  }

  private siftDown(i: number, t: number, o: number, slot: number): void {
    const keys = this.keys, slotAt = this.slotAt, pos = this.pos;
    const n = this.n;
    for (;;) {
      const first = (i << SHIFT) + 1;
      if (first >= n) break;
      // The least of up to ARITY children.
      let c = first, ct = keys[2 * first], co = keys[2 * first + 1];
      const end = Math.min(first + ARITY, n);
      for (let j = first + 1; j < end; j++) {
        const jt = keys[2 * j];
        if (jt < ct || (jt === ct && keys[2 * j + 1] < co)) {
          c = j;
          ct = jt;
          co = keys[2 * j + 1];
        }
      }
      if (t < ct || (t === ct && o < co)) break;
      keys[2 * i] = ct;
      keys[2 * i + 1] = co;
      pos[(slotAt[i] = slotAt[c])] = i;
      i = c;
    }
    keys[2 * i] = t;
    keys[2 * i + 1] = o;
    slotAt[i] = slot;
    pos[slot] = i;
  }

  /**
   * Sequence numbers ran out: give the pending events sequences 0..n-1 in their present
   * order. Every comparison between them comes out as before, so the heap stays valid.
   */
  private renumber(): void {
    const keys = this.keys, n = this.n, space = this.seqSpace;
    const idx = Array.from({ length: n }, (_, i) => i);
    const seqOf = (i: number) => keys[2 * i + 1] % space;
    idx.sort((a, b) => seqOf(a) - seqOf(b));
    const order = new Float64Array(n);
    idx.forEach((i, rank) => (order[i] = keys[2 * i + 1] - seqOf(i) + rank));
    for (let i = 0; i < n; i++) keys[2 * i + 1] = order[i];
    this.nextSeq = n;
  }

  private grow(): void {
    const old = this.cap;
    const cap = old * 2;
    if (cap > SLOT_SPACE) throw new Error(`event queue full: more than ${SLOT_SPACE} pending events`);
    this.keys = resize(this.keys, new Float64Array(2 * cap));
    this.slotAt = resize(this.slotAt, new Int32Array(cap));
    this.pos = resize(this.pos, new Int32Array(cap).fill(-1));
    this.gen = resize(this.gen, new Uint32Array(cap));
    this.free = resize(this.free, new Int32Array(cap));
    for (let i = cap - 1; i >= old; i--) this.free[this.nFree++] = i;
    this.fns.length = cap;
    this.args.length = cap;
    this.cap = cap;
  }
}

function resize<T extends Float64Array | Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from.subarray(0, Math.min(from.length, to.length)) as never);
  return to;
}
