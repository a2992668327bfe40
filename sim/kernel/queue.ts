/**
 * Pending events, totally ordered by (time, priority, sequence).
 *
 * A binary heap over typed arrays, so pushing, popping and cancelling allocate nothing. An
 * entry has two keys: its time, and an `order` that packs priority and insertion sequence into
 * one exact float64 (`(priority + PRIORITY_BIAS) * SEQ_SPACE + sequence`), so ties cost one
 * more comparison, not two. Payloads (callback + argument) live in slots; the heap holds slot
 * numbers and `pos` maps a slot back to its heap position, which keeps cancellation
 * O(log n). A handle names a slot plus a generation, so a stale handle can never cancel a
 * reused slot.
 *
 * Measured on PHOLD (sim/bench, 1,000 and 1,000,000 LPs) against the alternatives: keys
 * interleaved in one Float64Array, a 4-ary heap, and bottom-up (Floyd) deletion were each
 * no faster or slower here, so the plain binary heap over parallel arrays stays.
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

export class EventQueue {
  private cap: number;
  private n = 0;
  private nextSeq = 0;
  private readonly seqSpace: number;
  // Heap, by position: time, packed order, slot.
  private hTime: Float64Array;
  private hOrder: Float64Array;
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
    this.hTime = new Float64Array(this.cap);
    this.hOrder = new Float64Array(this.cap);
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
    return this.n > 0 ? this.hTime[0] : Infinity;
  }

  /** Bytes held by the queue's arrays (payload objects not included). */
  get bytes(): number {
    return this.hTime.byteLength + this.hOrder.byteLength + this.slotAt.byteLength + this.pos.byteLength + this.gen.byteLength + this.free.byteLength + 8 * (this.fns.length + this.args.length);
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
      const t = this.hTime[last], o = this.hOrder[last], sl = this.slotAt[last];
      const up = (i - 1) >> 1, ut = this.hTime[up];
      if (i > 0 && (t !== ut ? t < ut : o < this.hOrder[up])) this.siftUp(i, t, o, sl);
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
    this.poppedTime = this.hTime[0];
    this.poppedFn = this.fns[slot];
    this.poppedArg = this.args[slot];
    this.release(slot);
    const last = --this.n;
    if (last > 0) this.siftDown(0, this.hTime[last], this.hOrder[last], this.slotAt[last]);
    return true;
  }

  private release(slot: number): void {
    this.pos[slot] = -1;
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.gen[slot] = (this.gen[slot] + 1) & (GEN_SPACE - 1);
    this.free[this.nFree++] = slot;
  }

  // Comparisons are written `t !== u ? t < u : o < p`: one test settles the common case.
  private siftUp(i: number, t: number, o: number, slot: number): void {
    const hTime = this.hTime, hOrder = this.hOrder, slotAt = this.slotAt, pos = this.pos;
    while (i > 0) {
      const up = (i - 1) >> 1;
      const ut = hTime[up];
      if (ut !== t ? ut < t : hOrder[up] < o) break;
      hTime[i] = ut;
      hOrder[i] = hOrder[up];
      pos[(slotAt[i] = slotAt[up])] = i;
      i = up;
    }
    hTime[i] = t;
    hOrder[i] = o;
    slotAt[i] = slot;
    pos[slot] = i;
  }

  private siftDown(i: number, t: number, o: number, slot: number): void {
    const hTime = this.hTime, hOrder = this.hOrder, slotAt = this.slotAt, pos = this.pos;
    const n = this.n;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = hTime[c];
      if (c + 1 < n) {
        const rt = hTime[c + 1];
        if (rt !== ct ? rt < ct : hOrder[c + 1] < hOrder[c]) {
          c++;
          ct = rt;
        }
      }
      if (t !== ct ? t < ct : o < hOrder[c]) break;
      hTime[i] = ct;
      hOrder[i] = hOrder[c];
      pos[(slotAt[i] = slotAt[c])] = i;
      i = c;
    }
    hTime[i] = t;
    hOrder[i] = o;
    slotAt[i] = slot;
    pos[slot] = i;
  }

  /**
   * Sequence numbers ran out: give the pending events sequences 0..n-1 in their present
   * order. Every comparison between them comes out as before, so the heap stays valid.
   */
  private renumber(): void {
    const hOrder = this.hOrder, n = this.n, space = this.seqSpace;
    const idx = Array.from({ length: n }, (_, i) => i);
    const seqOf = (i: number) => hOrder[i] % space;
    idx.sort((a, b) => seqOf(a) - seqOf(b));
    const order = new Float64Array(n);
    idx.forEach((i, rank) => (order[i] = hOrder[i] - seqOf(i) + rank));
    hOrder.set(order.subarray(0, n));
    this.nextSeq = n;
  }

  private grow(): void {
    const old = this.cap;
    const cap = old * 2;
    if (cap > SLOT_SPACE) throw new Error(`event queue full: more than ${SLOT_SPACE} pending events`);
    this.hTime = resize(this.hTime, new Float64Array(cap));
    this.hOrder = resize(this.hOrder, new Float64Array(cap));
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
