/**
 * Pending events, totally ordered by (time, priority, sequence).
 *
 * An adaptive calendar queue (Brown 1988) over typed arrays, so pushing, popping and
 * cancelling allocate nothing. Time is cut into days of `width`; day d lives in bucket
 * d mod nb, a doubly-linked list kept sorted by (time, order), so cancelling unlinks in O(1).
 * `order` packs priority and insertion sequence into one exact float64
 * (`(priority + PRIORITY_BIAS) * SEQ_SPACE + sequence`), so ties cost one more comparison. Popping
 * sweeps the days from `cur`; every pending event's day is >= cur, so the head of bucket
 * cur mod nb, when its day is cur, is the first event of all (days are floor(time / width),
 * monotone in time, so equal times share a bucket and sort there by order: ties come out exactly
 * as from a heap on the same keys).
 *
 * The calendar is rebuilt when the population outgrows the buckets, when it stayed under a
 * quarter of them for a window of operations (nb follows it), and when the work per operation
 * (buckets swept + entries passed on insertion) grows: the width is then 3 x the mean
 * separation of the first events' distinct times (Brown's rule, separations over twice the
 * mean dropped). Payloads (callback + argument) live in slots; a handle names a slot plus a
 * generation, so a stale handle can never cancel a reused slot.
 *
 * On PHOLD (sim/bench, per CPU second, side by side) it beat the binary heap it replaced at
 * 1,000 and 1,000,000 LPs. Keys and links interleaved in one 32-byte record per slot (one cache
 * line per entry) measured slower than these parallel arrays at both sizes, so they stay.
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
/** `prev` of a slot that holds no pending event. */
const FREE = -2;
const MIN_BUCKETS = 16;
/** Events sampled from the front to set the width (Brown used 25). */
const SAMPLE = 25;
/** Mean work per operation above which the width is re-estimated. */
const MAX_WORK = 3;

export class EventQueue {
  private cap: number;
  private n = 0;
  private nextSeq = 0;
  private readonly seqSpace: number;
  // Slots: key, bucket links (next also threads the free list), generation, payload.
  private time: Float64Array;
  private order: Float64Array;
  private next: Int32Array;
  private prev: Int32Array;
  private gen: Uint32Array;
  private freeHead = -1;
  private fns: (Callback | undefined)[] = [];
  private args: unknown[] = [];
  // Calendar: bucket heads and tails, day width (and its inverse: day = floor(time x inv)).
  private nb = MIN_BUCKETS;
  private mask = MIN_BUCKETS - 1;
  private head: Int32Array;
  private tail: Int32Array;
  private width = 1;
  private inv = 1;
  private cur = 0;
  // Work since the last check, and operations until the next one.
  private work = 0;
  private windowOps = 0;
  private opsLeft = 0;
  /** Windows double after each re-estimate that did not bring the work down. */
  private backoff = 0;
  /** Largest population this window. */
  private peak = 0;
  private scratch: Int32Array;

  /** Filled by `pop()`. */
  poppedTime = 0;
  poppedFn: Callback | undefined;
  poppedArg: unknown;

  /** `seqSpace` lowers the renumbering threshold, for tests only. */
  constructor(capacity = 1024, seqSpace = SEQ_SPACE) {
    this.cap = Math.max(16, capacity);
    this.seqSpace = Math.min(seqSpace, SEQ_SPACE);
    this.time = new Float64Array(this.cap);
    this.order = new Float64Array(this.cap);
    this.next = new Int32Array(this.cap);
    this.prev = new Int32Array(this.cap).fill(FREE);
    this.gen = new Uint32Array(this.cap);
    this.scratch = new Int32Array(this.cap);
    this.addFree(0, this.cap);
    this.fns.length = this.cap;
    this.args.length = this.cap;
    this.head = new Int32Array(this.nb).fill(-1);
    this.tail = new Int32Array(this.nb).fill(-1);
    this.startWindow();
  }

  get size(): number {
    return this.n;
  }

  /** Time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.time[this.first()] : Infinity;
  }

  /** Bytes held by the queue's arrays (payload objects not included). */
  get bytes(): number {
    const slots = this.time.byteLength + this.order.byteLength + this.next.byteLength + this.prev.byteLength + this.gen.byteLength + this.scratch.byteLength;
    return slots + this.head.byteLength + this.tail.byteLength + 8 * (this.fns.length + this.args.length);
  }

  push(time: number, priority: number, fn: Callback, arg?: unknown): Handle {
    if (!(priority >= MIN_PRIORITY && priority <= MAX_PRIORITY && (priority | 0) === priority)) {
      throw new RangeError(`priority must be an integer in [${MIN_PRIORITY}, ${MAX_PRIORITY}], got ${priority}`);
    }
    if (this.freeHead < 0) this.grow();
    if (this.nextSeq === this.seqSpace) this.renumber();
    const slot = this.freeHead;
    this.freeHead = this.next[slot];
    this.fns[slot] = fn;
    this.args[slot] = arg;
    this.time[slot] = time;
    this.order[slot] = (priority + PRIORITY_BIAS) * this.seqSpace + this.nextSeq++;
    this.link(slot);
    if (++this.n > this.peak) {
      this.peak = this.n;
      if (this.n > this.nb) this.resize(2 * this.nb);
    }
    if (--this.opsLeft === 0) this.check();
    return this.gen[slot] * SLOT_SPACE + slot;
  }

  /** Removes a pending event; false if it already ran or was cancelled. */
  cancel(handle: Handle): boolean {
    if (!this.pending(handle)) return false;
    const slot = handle % SLOT_SPACE;
    this.unlink(slot);
    this.release(slot);
    this.n--;
    return true;
  }

  /** True if the handle's event is still pending. */
  pending(handle: Handle): boolean {
    const slot = handle % SLOT_SPACE;
    return slot >= 0 && slot < this.cap && this.gen[slot] === (handle - slot) / SLOT_SPACE && this.prev[slot] !== FREE;
  }

  /** Removes the first event into `popped*`; false when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const slot = this.first();
    const b = this.cur & this.mask;
    const x = this.next[slot];
    this.head[b] = x;
    if (x < 0) this.tail[b] = -1;
    else this.prev[x] = -1;
    this.poppedTime = this.time[slot];
    this.poppedFn = this.fns[slot];
    this.poppedArg = this.args[slot];
    this.release(slot);
    this.n--;
    if (--this.opsLeft === 0) this.check();
    return true;
  }

  /** Slot of the first event (queue not empty); leaves `cur` at its day. */
  private first(): number {
    const head = this.head, time = this.time, inv = this.inv, mask = this.mask;
    let c = this.cur;
    for (let scanned = 0; ; ) {
      const h = head[c & mask];
      if (h >= 0 && Math.floor(time[h] * inv) <= c) {
        this.work += scanned;
        this.cur = c;
        return h;
      }
      c++;
      if (++scanned >= this.nb) {
        // A whole year without an event due: jump to the earliest.
        this.work += scanned;
        scanned = 0;
        c = this.earliestDay();
      }
    }
  }

  /** Day of the earliest event, by a search over the bucket heads. */
  private earliestDay(): number {
    const head = this.head, time = this.time, order = this.order;
    let best = -1;
    for (let b = 0; b < this.nb; b++) {
      const h = head[b];
      if (h >= 0 && (best < 0 || (time[h] !== time[best] ? time[h] < time[best] : order[h] < order[best]))) best = h;
    }
    return Math.floor(time[best] * this.inv);
  }

  /** Inserts a keyed slot into its bucket, after every entry that orders before it. */
  private link(s: number): void {
    const time = this.time, order = this.order, prev = this.prev, next = this.next;
    const t = time[s], o = order[s];
    const d = Math.floor(t * this.inv);
    const b = d & this.mask;
    if (d < this.cur || this.n === 0) this.cur = d;
    // From the tail: new events tend to be the latest of their bucket (and equal times come in order).
    let p = this.tail[b], steps = 0;
    while (p >= 0 && (time[p] !== t ? time[p] > t : order[p] > o)) {
      p = prev[p];
      steps++;
    }
    this.work += steps;
    let x: number;
    if (p < 0) {
      x = this.head[b];
      this.head[b] = s;
    } else {
      x = next[p];
      next[p] = s;
    }
    next[s] = x;
    prev[s] = p;
    if (x < 0) this.tail[b] = s;
    else prev[x] = s;
  }

  private unlink(s: number): void {
    const p = this.prev[s], x = this.next[s];
    const b = Math.floor(this.time[s] * this.inv) & this.mask;
    if (p < 0) this.head[b] = x;
    else this.next[p] = x;
    if (x < 0) this.tail[b] = p;
    else this.prev[x] = p;
  }

  private release(slot: number): void {
    this.prev[slot] = FREE;
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.gen[slot] = (this.gen[slot] + 1) & (GEN_SPACE - 1);
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
  }

  /**
   * Windows span twice the population or more, so re-estimating costs O(1) per operation; they
   * double while re-estimates do not help (some distributions suit no single width).
   */
  private startWindow(): void {
    this.work = 0;
    this.peak = this.n;
    this.opsLeft = this.windowOps = Math.max(64, 2 * this.n) * 2 ** this.backoff;
  }

  /**
   * Every window of operations: halve the buckets if the population stayed under a quarter of
   * them all window (bursts do not make it shrink and grow back), and re-estimate the width if
   * the work per operation grew.
   */
  private check(): void {
    if (this.peak < this.nb >> 2 && this.nb > MIN_BUCKETS) {
      this.resize(this.nb >> 1);
    } else if (this.work > MAX_WORK * this.windowOps) {
      if (this.backoff < 20) this.backoff++;
      this.resize(this.nb);
    } else {
      this.backoff = 0;
      this.startWindow();
    }
  }

  /**
   * Rebuilds the calendar with `nb` buckets and a width from the separations of the first
   * events (taken out in order, then put back).
   */
  private resize(nb: number): void {
    const s = this.scratch, time = this.time;
    const k = Math.min(SAMPLE, this.n);
    for (let i = 0; i < k; i++) {
      const slot = this.first();
      this.unlink(slot);
      s[i] = slot;
    }
    const width = sampledWidth(time, s, k);
    for (let i = 0; i < k; i++) this.link(s[i]);
    // Every pending slot, bucket by bucket, into the new calendar.
    let m = 0;
    for (let b = 0; b < this.nb; b++) for (let e = this.head[b]; e >= 0; e = this.next[e]) s[m++] = e;
    if (width > 0 && width < Infinity) {
      this.width = width;
      this.inv = 1 / width;
    }
    if (nb !== this.nb) {
      this.nb = nb;
      this.mask = nb - 1;
      this.head = new Int32Array(nb);
      this.tail = new Int32Array(nb);
    }
    this.head.fill(-1);
    this.tail.fill(-1);
    this.cur = Infinity;
    for (let i = 0; i < m; i++) this.link(s[i]);
    if (m === 0) this.cur = 0;
    this.startWindow();
  }

  /**
   * Sequence numbers ran out: give the pending events sequences 0..n-1 in their present
   * order. Every comparison between them comes out as before, so the buckets stay sorted.
   */
  private renumber(): void {
    const order = this.order, space = this.seqSpace;
    const live: number[] = [];
    for (let b = 0; b < this.nb; b++) for (let e = this.head[b]; e >= 0; e = this.next[e]) live.push(e);
    const seqOf = (e: number) => order[e] % space;
    live.sort((a, b) => seqOf(a) - seqOf(b));
    live.forEach((e, rank) => (order[e] = order[e] - seqOf(e) + rank));
    this.nextSeq = live.length;
  }

  private grow(): void {
    const old = this.cap;
    const cap = old * 2;
    if (cap > SLOT_SPACE) throw new Error(`event queue full: more than ${SLOT_SPACE} pending events`);
    this.time = resize(this.time, new Float64Array(cap));
    this.order = resize(this.order, new Float64Array(cap));
    this.next = resize(this.next, new Int32Array(cap));
    this.prev = resize(this.prev, new Int32Array(cap).fill(FREE));
    this.gen = resize(this.gen, new Uint32Array(cap));
    this.scratch = new Int32Array(cap);
    this.addFree(old, cap);
    this.fns.length = cap;
    this.args.length = cap;
    this.cap = cap;
  }

  /** Puts slots [from, to) on the free list, lowest first out. */
  private addFree(from: number, to: number): void {
    for (let i = to - 1; i >= from; i--) {
      this.next[i] = this.freeHead;
      this.freeHead = i;
    }
  }
}

/**
 * Brown's width: 3 x the mean separation of the sampled times (in order), recomputed without
 * the separations over twice the first mean. 0 (keep the width) when they are all equal.
 */
function sampledWidth(time: Float64Array, slots: Int32Array, k: number): number {
  // Equal times share a day whatever the width, so only separations between distinct times count.
  let distinct = 0;
  for (let i = 1; i < k; i++) if (time[slots[i]] !== time[slots[i - 1]]) distinct++;
  if (distinct === 0) return 0;
  const mean = (time[slots[k - 1]] - time[slots[0]]) / distinct;
  let sum = 0, count = 0;
  for (let i = 1; i < k; i++) {
    const sep = time[slots[i]] - time[slots[i - 1]];
    if (sep > 0 && sep <= 2 * mean) {
      sum += sep;
      count++;
    }
  }
  return count > 0 ? (3 * sum) / count : 0;
}

function resize<T extends Float64Array | Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from.subarray(0, Math.min(from.length, to.length)) as never);
  return to;
}
