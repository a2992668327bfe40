/**
 * Pending events, totally ordered by (time, priority, sequence).
 *
 * A binary heap whose keys live in typed arrays indexed by heap position, so pushing and
 * popping allocates nothing. Payloads (callback + argument) live in slots; a handle names a
 * slot plus a generation, so a stale handle can never cancel a reused slot.
 */
export type Callback = (arg: any) => void;

/** Handle of a queued event: `generation * SLOT_SPACE + slot`, exact in a float64. */
export type Handle = number;

const SLOT_SPACE = 2 ** 25;
const GEN_SPACE = 2 ** 28;

export class EventQueue {
  private cap: number;
  private n = 0;
  private nextSeq = 0;
  // Heap, by position.
  private hTime: Float64Array;
  private hPrio: Int32Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  // Slots.
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

  constructor(capacity = 1024) {
    this.cap = Math.max(16, capacity);
    this.hTime = new Float64Array(this.cap);
    this.hPrio = new Int32Array(this.cap);
    this.hSeq = new Float64Array(this.cap);
    this.hSlot = new Int32Array(this.cap);
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

  push(time: number, priority: number, fn: Callback, arg?: unknown): Handle {
    if (this.nFree === 0) this.grow();
    const slot = this.free[--this.nFree];
    this.fns[slot] = fn;
    this.args[slot] = arg;
    this.siftUp(this.n++, time, priority, this.nextSeq++, slot);
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
      const t = this.hTime[last], p = this.hPrio[last], s = this.hSeq[last], sl = this.hSlot[last];
      if (i > 0 && less(t, p, s, this.hTime[(i - 1) >> 1], this.hPrio[(i - 1) >> 1], this.hSeq[(i - 1) >> 1])) {
        this.siftUp(i, t, p, s, sl);
      } else {
        this.siftDown(i, t, p, s, sl);
      }
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
    const slot = this.hSlot[0];
    this.poppedTime = this.hTime[0];
    this.poppedFn = this.fns[slot];
    this.poppedArg = this.args[slot];
    this.release(slot);
    const last = --this.n;
    if (last > 0) this.siftDown(0, this.hTime[last], this.hPrio[last], this.hSeq[last], this.hSlot[last]);
    return true;
  }

  private release(slot: number): void {
    this.pos[slot] = -1;
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.gen[slot] = (this.gen[slot] + 1) % GEN_SPACE;
    this.free[this.nFree++] = slot;
  }

  private siftUp(i: number, t: number, p: number, s: number, slot: number): void {
    const hTime = this.hTime, hPrio = this.hPrio, hSeq = this.hSeq, hSlot = this.hSlot, pos = this.pos;
    while (i > 0) {
      const up = (i - 1) >> 1;
      const ut = hTime[up];
      if (ut < t || (ut === t && (hPrio[up] < p || (hPrio[up] === p && hSeq[up] < s)))) break;
      hTime[i] = ut;
      hPrio[i] = hPrio[up];
      hSeq[i] = hSeq[up];
      pos[(hSlot[i] = hSlot[up])] = i;
      i = up;
    }
    hTime[i] = t;
    hPrio[i] = p;
    hSeq[i] = s;
    hSlot[i] = slot;
    pos[slot] = i;
  }

  private siftDown(i: number, t: number, p: number, s: number, slot: number): void {
    const hTime = this.hTime, hPrio = this.hPrio, hSeq = this.hSeq, hSlot = this.hSlot, pos = this.pos;
    const n = this.n;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && less(hTime[r], hPrio[r], hSeq[r], hTime[c], hPrio[c], hSeq[c])) c = r;
      if (!less(hTime[c], hPrio[c], hSeq[c], t, p, s)) break;
      hTime[i] = hTime[c];
      hPrio[i] = hPrio[c];
      hSeq[i] = hSeq[c];
      pos[(hSlot[i] = hSlot[c])] = i;
      i = c;
    }
    hTime[i] = t;
    hPrio[i] = p;
    hSeq[i] = s;
    hSlot[i] = slot;
    pos[slot] = i;
  }

  private grow(): void {
    const old = this.cap;
    const cap = old * 2;
    if (cap > SLOT_SPACE) throw new Error(`event queue full: more than ${SLOT_SPACE} pending events`);
    this.hTime = resize(this.hTime, new Float64Array(cap));
    this.hPrio = resize(this.hPrio, new Int32Array(cap));
    this.hSeq = resize(this.hSeq, new Float64Array(cap));
    this.hSlot = resize(this.hSlot, new Int32Array(cap));
    this.pos = resize(this.pos, new Int32Array(cap).fill(-1));
    this.gen = resize(this.gen, new Uint32Array(cap));
    this.free = resize(this.free, new Int32Array(cap));
    for (let i = cap - 1; i >= old; i--) this.free[this.nFree++] = i;
    this.fns.length = cap;
    this.args.length = cap;
    this.cap = cap;
  }
}

function less(t1: number, p1: number, s1: number, t2: number, p2: number, s2: number): boolean {
  return t1 < t2 || (t1 === t2 && (p1 < p2 || (p1 === p2 && s1 < s2)));
}

function resize<T extends Float64Array | Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from.subarray(0, Math.min(from.length, to.length)) as never);
  return to;
}
