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
 * The calendar is rebuilt when the population outgrows the buckets (BUCKETS_PER_EVENT each),
 * when it stayed under a quarter of that for a window of operations (nb follows it), and when
 * the work per operation (buckets swept + entries passed on insertion) grows: the width is
 * then WIDTH_FACTOR x the mean
 * separation of the first events' distinct times (Brown's rule, separations over twice the
 * mean dropped). Payloads (callback + argument) live in slots; a handle names a slot plus a
 * generation, so a stale handle can never cancel a reused slot.
 *
 * Layout, for a million pending events, where every slot a pop touches is a cache miss: a slot's
 * keys and links are one 32-byte record (float64 time and order, int32 next, prev, generation
 * and bucket, two views of one buffer) and its callback and argument sit side by side, so a pop
 * touches two lines instead of seven (cachegrind, PHOLD at 1M LPs: 6 last-level misses per event
 * instead of 12-13), and a bucket's head and tail share one. A bucket's head keeps a stale `prev` (the
 * list's head is told by `head[b] === slot`), so a pop never touches the next entry. Freed slots
 * are reused last-in first-out: the slot a callback pushes into is the one just popped, still
 * cached.
 *
 * PHOLD at 1,000,000 LPs, the queue alone (interleaved blocks in one process, per CPU second):
 * 1.58M events before this layout, width and bucket count, 1.83M after; no slower at 1,000 LPs.
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
/**
 * Days are this many mean separations of the front events wide. Brown used 3; 1 measured faster
 * on PHOLD at 1,000 and 1,000,000 LPs (interleaved runs in one process): a new event more
 * often lands in an empty bucket, and sweeping empty days is a sequential read.
 */
const WIDTH_FACTOR = 1;
/**
 * Buckets per pending event, at least: a longer year puts fewer events of later years into the
 * bucket a new event joins (measured faster at 1M PHOLD LPs; 8 more bytes per pending event).
 */
const BUCKETS_PER_EVENT = 2;

// A slot's record is 32 bytes of one buffer: keys as float64 [time, order] at 4 x slot, then
// links as int32 [next, prev, generation, bucket] at 8 x slot + 4; payload [callback, argument].
const TIME = 0, ORDER = 1;
const NEXT = 4, PREV = 5, GEN = 6, BUCKET = 7;
const FN = 0, ARG = 1;

export class EventQueue {
  private cap: number;
  private n = 0;
  private nextSeq = 0;
  private readonly seqSpace: number;
  /** Keys and links: two views of one buffer, 32 bytes per slot. */
  private key: Float64Array;
  /** next also threads the free list. */
  private link: Int32Array;
  private payload: unknown[] = [];
  private freeHead = -1;
  // Calendar: bucket heads and tails (2 per bucket), day width (and its inverse: day = floor(time x inv)).
  private nb = MIN_BUCKETS;
  private mask = MIN_BUCKETS - 1;
  private ends: Int32Array;
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
    const buf = new ArrayBuffer(32 * this.cap);
    this.key = new Float64Array(buf);
    this.link = new Int32Array(buf);
    for (let s = 0; s < this.cap; s++) this.link[8 * s + PREV] = FREE;
    this.scratch = new Int32Array(this.cap);
    this.addFree(0, this.cap);
    this.payload.length = 2 * this.cap;
    this.ends = new Int32Array(2 * this.nb).fill(-1);
    this.startWindow();
  }

  get size(): number {
    return this.n;
  }

  /** Time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.key[4 * this.first()] : Infinity;
  }

  /** Bytes held by the queue's arrays (payload objects not included). */
  get bytes(): number {
    return this.key.byteLength + this.scratch.byteLength + this.ends.byteLength + 8 * this.payload.length;
  }

  push(time: number, priority: number, fn: Callback, arg?: unknown): Handle {
    if (!(priority >= MIN_PRIORITY && priority <= MAX_PRIORITY && (priority | 0) === priority)) {
      throw new RangeError(`priority must be an integer in [${MIN_PRIORITY}, ${MAX_PRIORITY}], got ${priority}`);
    }
    if (this.freeHead < 0) this.grow();
    if (this.nextSeq === this.seqSpace) this.renumber();
    const slot = this.freeHead;
    const link = this.link, key = this.key, payload = this.payload;
    this.freeHead = link[8 * slot + NEXT];
    payload[2 * slot + FN] = fn;
    payload[2 * slot + ARG] = arg;
    key[4 * slot] = time;
    key[4 * slot + 1] = (priority + PRIORITY_BIAS) * this.seqSpace + this.nextSeq++;
    this.insert(slot);
    if (++this.n > this.peak) {
      this.peak = this.n;
      if (this.n * BUCKETS_PER_EVENT > this.nb) this.resize(2 * this.nb);
    }
    if (--this.opsLeft === 0) this.check();
    return link[8 * slot + GEN] * SLOT_SPACE + slot;
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
    return slot >= 0 && slot < this.cap && this.link[8 * slot + GEN] === (handle - slot) / SLOT_SPACE && this.link[8 * slot + PREV] !== FREE;
  }

  /** Removes the first event into `popped*`; false when empty. */
  pop(): boolean {
    return this.popUntil(Infinity);
  }

  /** Removes the first event into `popped*` if its time is <= `until`; false otherwise or when empty. */
  popUntil(until: number): boolean {
    if (this.n === 0) return false;
    const slot = this.first();
    const t = this.key[4 * slot];
    if (!(t <= until)) return false;
    const b = this.cur & this.mask;
    const x = this.link[8 * slot + NEXT];
    this.ends[2 * b] = x;
    if (x < 0) this.ends[2 * b + 1] = -1;
    this.poppedTime = t;
    this.poppedFn = this.payload[2 * slot + FN] as Callback;
    this.poppedArg = this.payload[2 * slot + ARG];
    this.release(slot);
    this.n--;
    if (--this.opsLeft === 0) this.check();
    return true;
  }

  /** Slot of the first event (queue not empty); leaves `cur` at its day. */
  private first(): number {
    const ends = this.ends, key = this.key, inv = this.inv, mask = this.mask;
    let c = this.cur;
    for (let scanned = 0; ; ) {
      const h = ends[2 * (c & mask)];
      if (h >= 0 && Math.floor(key[4 * h] * inv) <= c) {
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
    const ends = this.ends, key = this.key;
    let best = -1;
    for (let b = 0; b < this.nb; b++) {
      const h = ends[2 * b];
      if (h >= 0 && (best < 0 || (key[4 * h] !== key[4 * best] ? key[4 * h] < key[4 * best] : key[4 * h + 1] < key[4 * best + 1]))) best = h;
    }
    return Math.floor(key[4 * best] * this.inv);
  }

  /** Inserts a keyed slot into its bucket, after every entry that orders before it. */
  private insert(s: number): void {
    const key = this.key, link = this.link, ends = this.ends;
    const t = key[4 * s], o = key[4 * s + 1];
    const d = Math.floor(t * this.inv);
    const b = d & this.mask;
    if (d < this.cur || this.n === 0) this.cur = d;
    // From the tail: new events tend to be the latest of their bucket (and equal times come in order).
    const h = ends[2 * b];
    let p = ends[2 * b + 1], steps = 0;
    while (p >= 0 && (key[4 * p] !== t ? key[4 * p] > t : key[4 * p + 1] > o)) {
      p = p === h ? -1 : link[8 * p + PREV];
      steps++;
    }
    this.work += steps;
    let x: number;
    if (p < 0) {
      x = h;
      ends[2 * b] = s;
    } else {
      x = link[8 * p + NEXT];
      link[8 * p + NEXT] = s;
    }
    link[8 * s + NEXT] = x;
    link[8 * s + PREV] = p;
    link[8 * s + BUCKET] = b;
    if (x < 0) ends[2 * b + 1] = s;
    else link[8 * x + PREV] = s;
  }

  private unlink(s: number): void {
    const link = this.link, ends = this.ends;
    const b = link[8 * s + BUCKET], x = link[8 * s + NEXT];
    // A head's prev may be stale (pops leave it): the bucket says which entry is first.
    const p = ends[2 * b] === s ? -1 : link[8 * s + PREV];
    if (p < 0) ends[2 * b] = x;
    else link[8 * p + NEXT] = x;
    if (x < 0) ends[2 * b + 1] = p;
    else link[8 * x + PREV] = p;
  }

  private release(slot: number): void {
    const link = this.link, payload = this.payload;
    link[8 * slot + PREV] = FREE;
    payload[2 * slot + FN] = undefined;
    payload[2 * slot + ARG] = undefined;
    link[8 * slot + GEN] = (link[8 * slot + GEN] + 1) & (GEN_SPACE - 1);
    link[8 * slot + NEXT] = this.freeHead;
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
    if (this.peak * BUCKETS_PER_EVENT < this.nb >> 2 && this.nb > MIN_BUCKETS) {
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
    const s = this.scratch, link = this.link;
    const k = Math.min(SAMPLE, this.n);
    for (let i = 0; i < k; i++) {
      const slot = this.first();
      this.unlink(slot);
      s[i] = slot;
    }
    const width = sampledWidth(this.key, s, k);
    for (let i = 0; i < k; i++) this.insert(s[i]);
    // Every pending slot, bucket by bucket, into the new calendar.
    let m = 0;
    for (let b = 0; b < this.nb; b++) for (let e = this.ends[2 * b]; e >= 0; e = link[8 * e + NEXT]) s[m++] = e;
    if (width > 0 && width < Infinity) {
      this.width = width;
      this.inv = 1 / width;
    }
    if (nb !== this.nb) {
      this.nb = nb;
      this.mask = nb - 1;
      this.ends = new Int32Array(2 * nb);
    }
    this.ends.fill(-1);
    this.cur = Infinity;
    for (let i = 0; i < m; i++) this.insert(s[i]);
    if (m === 0) this.cur = 0;
    this.startWindow();
  }

  /**
   * Sequence numbers ran out: give the pending events sequences 0..n-1 in their present
   * order. Every comparison between them comes out as before, so the buckets stay sorted.
   */
  private renumber(): void {
    const key = this.key, link = this.link, space = this.seqSpace;
    const live: number[] = [];
    for (let b = 0; b < this.nb; b++) for (let e = this.ends[2 * b]; e >= 0; e = link[8 * e + NEXT]) live.push(e);
    const seqOf = (e: number) => key[4 * e + 1] % space;
    live.sort((a, b) => seqOf(a) - seqOf(b));
    live.forEach((e, rank) => (key[4 * e + 1] = key[4 * e + 1] - seqOf(e) + rank));
    this.nextSeq = live.length;
  }

  private grow(): void {
    const old = this.cap;
    const cap = old * 2;
    if (cap > SLOT_SPACE) throw new Error(`event queue full: more than ${SLOT_SPACE} pending events`);
    const buf = new ArrayBuffer(32 * cap);
    new Uint8Array(buf).set(new Uint8Array(this.key.buffer));
    this.key = new Float64Array(buf);
    const link = (this.link = new Int32Array(buf));
    for (let s = old; s < cap; s++) link[8 * s + PREV] = FREE;
    this.scratch = new Int32Array(cap);
    this.addFree(old, cap);
    this.payload.length = 2 * cap;
    this.cap = cap;
  }

  /** Puts slots [from, to) on the free list, lowest first out. */
  private addFree(from: number, to: number): void {
    for (let i = to - 1; i >= from; i--) {
      this.link[8 * i + NEXT] = this.freeHead;
      this.freeHead = i;
    }
  }
}

/**
 * Brown's width: WIDTH_FACTOR x the mean separation of the sampled times (in order), recomputed
 * without the separations over twice the first mean. 0 (keep the width) when they are all equal.
 */
function sampledWidth(key: Float64Array, slots: Int32Array, k: number): number {
  // Equal times share a day whatever the width, so only separations between distinct times count.
  let distinct = 0;
  for (let i = 1; i < k; i++) if (key[4 * slots[i]] !== key[4 * slots[i - 1]]) distinct++;
  if (distinct === 0) return 0;
  const mean = (key[4 * slots[k - 1]] - key[4 * slots[0]]) / distinct;
  let sum = 0, count = 0;
  for (let i = 1; i < k; i++) {
    const sep = key[4 * slots[i]] - key[4 * slots[i - 1]];
    if (sep > 0 && sep <= 2 * mean) {
      sum += sep;
      count++;
    }
  }
  return count > 0 ? (WIDTH_FACTOR * sum) / count : 0;
}
