/**
 * Pending events, totally ordered by (time, priority, insertion).
 *
 * An adaptive calendar queue (Brown 1988) over typed arrays, so pushing, popping and
 * cancelling allocate nothing. Time is cut into days of `width`; day d lives in bucket
 * d mod nb, a doubly-linked list kept sorted by (time, priority), a new event going after every
 * entry with an equal key, so equal keys leave in insertion order without a stored sequence
 * number. Cancelling unlinks in O(1). Popping sweeps the days from `cur`; every pending event's
 * day is >= cur, so the head of bucket cur mod nb, when its day is cur, is the first event of all
 * (days are floor(time / width), monotone in time, so equal times share a bucket and sort there
 * by priority, then insertion: ties come out exactly as from a heap on (time, priority, sequence)).
 *
 * The calendar is rebuilt when the population outgrows the buckets (BUCKETS_PER_EVENT each),
 * when it stayed under a quarter of that for a window of operations (nb follows it), and when
 * the work per operation (buckets swept + entries passed on insertion) grows: the width is
 * then WIDTH_FACTOR x the mean separation of the first events' distinct times (Brown's rule,
 * separations over twice the mean dropped). Payloads (callback + argument) live in slots; a
 * handle names a slot plus the stamp of the push that filled it, so a stale handle cannot cancel
 * a reused slot (stamps repeat only after 2^28 pushes).
 *
 * Layout, for a million pending events, where nearly every slot a pop or a push touches is a
 * cache and TLB miss: what a pop and an insertion read is one 16-byte record per slot (float64
 * time, int32 next and prev; four to a cache line, never straddling two); a bucket's head and
 * tail share one; the priority (read only when times tie) and the stamp (read only by `pending`
 * and `cancel`) sit in arrays of their own. A new event is linked after its bucket's tail, or
 * walked back from there (so runs of equal keys append in O(1)). A head keeps a stale `prev`
 * (the list's head is told by the bucket), so a pop never touches the next entry. Freed slots
 * are reused last-in first-out: the slot a callback pushes into is the one just popped, still
 * cached.
 *
 * `push` is kept under V8's inlining limit (460 bytes of bytecode, 456 now: `node
 * --print-bytecode --print-bytecode-filter=push`) so it can inline into its callers; rare work
 * (bad priorities, growth, rebuilds) is in other methods, and record offsets are a const enum,
 * compiled to literals.
 */
export type Callback = (arg: any) => void;

/** Handle of a queued event: `stamp * SLOT_SPACE + slot`, exact in a float64. */
export type Handle = number;

/** Priorities are integers in [MIN_PRIORITY, MAX_PRIORITY]. */
export const MIN_PRIORITY = -512;
export const MAX_PRIORITY = 511;
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
 * Buckets per pending event, at least: more buckets leave fewer occupied, so a new event more
 * often finds its bucket empty and compares with no other record (4 measured faster than 2 at
 * 1M PHOLD LPs, queue alone, alternating rounds; 8 bytes per bucket).
 */
const BUCKETS_PER_EVENT = 4;

/**
 * Record of slot s: float64 time at R x s; int32 next and prev at RI x s + NEXT, + PREV (a free
 * slot's prev is FREE; next threads the free list). Payload: [callback, argument] at 2 x s.
 */
const enum K {
  R = 2,
  RI = 4,
  NEXT = 2,
  PREV = 3,
  FREE = -2,
  FN = 0,
  ARG = 1,
  MIN_PRIORITY = -512,
  MAX_PRIORITY = 511,
  SLOT_SPACE = 2 ** 25,
  STAMP_SPACE = 2 ** 28,
}

export class EventQueue {
  private cap: number;
  private n = 0;
  /** Time (and links): two views of one buffer, 16 bytes per slot. */
  private key: Float64Array;
  private link: Int32Array;
  /** Read only when times tie. */
  private prio: Int16Array;
  /** Stamp of the push that filled each slot (a handle names slot and stamp). */
  private ident: Int32Array;
  private stamp = 0;
  private payload: unknown[] = [];
  private freeHead = -1;
  // Calendar: bucket heads and tails (2 per bucket), day width (and its inverse: day = floor(time x inv)).
  private nb = MIN_BUCKETS;
  private mask = MIN_BUCKETS - 1;
  private ends: Int32Array;
  private width = 1;
  private inv = 1;
  /** Day of the sweep; Infinity while empty, so the next push sets it. */
  private cur = Infinity;
  // Work since the last check, and operations until the next one.
  private work = 0;
  private windowOps = 0;
  private walks = 0;
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

  constructor(capacity = 1024) {
    this.cap = Math.max(16, capacity);
    const buf = new ArrayBuffer(8 * K.R * this.cap);
    this.key = new Float64Array(buf);
    this.link = new Int32Array(buf);
    for (let s = 0; s < this.cap; s++) this.link[K.RI * s + K.PREV] = K.FREE;
    this.prio = new Int16Array(this.cap);
    this.ident = new Int32Array(this.cap);
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
    return this.n > 0 ? this.key[K.R * this.first()] : Infinity;
  }

  /** Entries passed by insert walks so far, over the queue's life (benchmarks and tests read it). */
  get walked(): number {
    return this.walks;
  }

  /** Bytes held by the queue's arrays (payload objects not included). */
  get bytes(): number {
    return this.key.byteLength + this.prio.byteLength + this.ident.byteLength + this.scratch.byteLength + this.ends.byteLength + 8 * this.payload.length;
  }

  push(time: number, priority: number, fn: Callback, arg?: unknown): Handle {
    let slot = this.freeHead;
    // A bad priority or a full store takes the slow path.
    if (slot < 0 || !(priority >= K.MIN_PRIORITY && priority <= K.MAX_PRIORITY && (priority | 0) === priority)) slot = this.makeRoom(priority);
    const link = this.link, ends = this.ends, key = this.key, r = K.RI * slot, p = 2 * slot;
    this.freeHead = link[r + K.NEXT];
    this.payload[p + K.FN] = fn;
    this.payload[p + K.ARG] = arg;
    key[K.R * slot] = time;
    this.prio[slot] = priority;
    const stamp = (this.stamp = (this.stamp + 1) & (K.STAMP_SPACE - 1));
    this.ident[slot] = stamp;
    const d = Math.floor(time * this.inv), e = 2 * (d & this.mask), tail = ends[e + 1];
    if (d < this.cur) this.cur = d;
    // Into an empty bucket or after its last entry (equal keys come in order); else walk back.
    if (tail < 0 || (key[K.R * tail] !== time ? key[K.R * tail] < time : this.prio[tail] <= priority)) {
      link[r + K.NEXT] = -1;
      link[r + K.PREV] = tail;
      if (tail < 0) ends[e] = slot;
      else link[K.RI * tail + K.NEXT] = slot;
      ends[e + 1] = slot;
    } else this.insertBefore(tail, slot, e);
    if (++this.n > this.peak || --this.opsLeft <= 0) this.afterPush();
    return stamp * K.SLOT_SPACE + slot;
  }

  /** Checks the priority and grows the store if it is full; the slot to fill. */
  private makeRoom(priority: number): number {
    if (!(priority >= K.MIN_PRIORITY && priority <= K.MAX_PRIORITY && (priority | 0) === priority)) {
      throw new RangeError(`priority must be an integer in [${MIN_PRIORITY}, ${MAX_PRIORITY}], got ${priority}`);
    }
    if (this.freeHead < 0) this.grow();
    return this.freeHead;
  }

  /** A new peak population (the calendar grows with it), or the end of a window. */
  private afterPush(): void {
    if (this.n > this.peak) {
      this.peak = this.n;
      this.opsLeft--;
      if (this.n * BUCKETS_PER_EVENT > this.nb) this.resize(2 * this.nb);
    }
    if (this.opsLeft <= 0) this.check();
  }

  /** Removes a pending event; false if it already ran or was cancelled. */
  cancel(handle: Handle): boolean {
    if (!this.pending(handle)) return false;
    const slot = handle % K.SLOT_SPACE;
    this.unlink(slot);
    this.release(slot);
    if (--this.n === 0) this.cur = Infinity;
    return true;
  }

  /** True if the handle's event is still pending. */
  pending(handle: Handle): boolean {
    const slot = handle % K.SLOT_SPACE;
    return slot >= 0 && slot < this.cap && this.link[K.RI * slot + K.PREV] !== K.FREE && this.ident[slot] === (handle - slot) / K.SLOT_SPACE;
  }

  /** Removes the first event into `popped*`; false when empty. */
  pop(): boolean {
    return this.popUntil(Infinity);
  }

  /** Removes the first event into `popped*` if its time is <= `until`; false otherwise or when empty. */
  popUntil(until: number): boolean {
    if (this.n === 0) return false;
    const slot = this.first();
    const key = this.key, payload = this.payload;
    const t = key[K.R * slot];
    if (!(t <= until)) return false;
    const b = this.cur & this.mask, x = this.link[K.RI * slot + K.NEXT];
    this.ends[2 * b] = x;
    if (x < 0) this.ends[2 * b + 1] = -1;
    this.poppedTime = t;
    this.poppedFn = payload[2 * slot + K.FN] as Callback;
    this.poppedArg = payload[2 * slot + K.ARG];
    this.release(slot);
    if (--this.n === 0) this.cur = Infinity;
    if (--this.opsLeft <= 0) this.check();
    return true;
  }

  /** Slot of the first event (queue not empty); leaves `cur` at its day. */
  private first(): number {
    const ends = this.ends, key = this.key, inv = this.inv, mask = this.mask;
    let c = this.cur;
    for (let scanned = 0; ; ) {
      const h = ends[2 * (c & mask)];
      if (h >= 0 && Math.floor(key[K.R * h] * inv) <= c) {
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
    let best = Infinity;
    for (let b = 0; b < this.nb; b++) if (ends[2 * b] >= 0 && key[K.R * ends[2 * b]] < best) best = key[K.R * ends[2 * b]];
    return Math.floor(best * this.inv);
  }

  /** Inserts a slot (time and priority set) into its bucket, after every entry that orders before it or equal. */
  private insert(s: number): void {
    const key = this.key, link = this.link, ends = this.ends;
    const t = key[K.R * s];
    const d = Math.floor(t * this.inv), b = d & this.mask, tail = ends[2 * b + 1];
    if (d < this.cur) this.cur = d;
    if (tail < 0 || (key[K.R * tail] !== t ? key[K.R * tail] < t : this.prio[tail] <= this.prio[s])) {
      link[K.RI * s + K.NEXT] = -1;
      link[K.RI * s + K.PREV] = tail;
      if (tail < 0) ends[2 * b] = s;
      else link[K.RI * tail + K.NEXT] = s;
      ends[2 * b + 1] = s;
    } else this.insertBefore(tail, s, 2 * b);
  }

  /** Links s before x (an entry that orders after it) and every earlier such entry; e = 2 x its bucket. */
  private insertBefore(x: number, s: number, e: number): void {
    const key = this.key, link = this.link, prio = this.prio, ends = this.ends;
    const t = key[K.R * s], o = prio[s];
    // Before the bucket's first entry: at its head at once (events a year or more ahead share
    // the bucket, and a walk back from the tail would pass every one of them).
    const h = ends[e];
    if (key[K.R * h] !== t ? key[K.R * h] > t : prio[h] > o) {
      link[K.RI * s + K.PREV] = -1;
      link[K.RI * s + K.NEXT] = h;
      link[K.RI * h + K.PREV] = s;
      ends[e] = s;
      return;
    }
    let steps = 0;
    for (;;) {
      // The head's prev may be stale: the bucket says which entry is first.
      if (ends[e] === x) {
        link[K.RI * s + K.PREV] = -1;
        ends[e] = s;
        break;
      }
      const p = link[K.RI * x + K.PREV];
      if (key[K.R * p] !== t ? key[K.R * p] < t : prio[p] <= o) {
        link[K.RI * s + K.PREV] = p;
        link[K.RI * p + K.NEXT] = s;
        break;
      }
      x = p;
      steps++;
    }
    link[K.RI * s + K.NEXT] = x;
    link[K.RI * x + K.PREV] = s;
    // A window's work spent before its operations are: end it now, so a width that has gone
    // bad (a cluster of times inside one day) is re-estimated after O(n) work, not O(n^2).
    this.walks += steps;
    if ((this.work += steps) > MAX_WORK * this.windowOps) this.opsLeft = 0;
  }

  private unlink(s: number): void {
    const link = this.link, ends = this.ends;
    const b = Math.floor(this.key[K.R * s] * this.inv) & this.mask;
    const x = link[K.RI * s + K.NEXT];
    // A head's prev may be stale (pops leave it): the bucket says which entry is first.
    const p = ends[2 * b] === s ? -1 : link[K.RI * s + K.PREV];
    if (p < 0) ends[2 * b] = x;
    else link[K.RI * p + K.NEXT] = x;
    if (x < 0) ends[2 * b + 1] = p;
    else link[K.RI * x + K.PREV] = p;
  }

  private release(slot: number): void {
    const link = this.link, payload = this.payload;
    link[K.RI * slot + K.PREV] = K.FREE;
    payload[2 * slot + K.FN] = undefined;
    payload[2 * slot + K.ARG] = undefined;
    link[K.RI * slot + K.NEXT] = this.freeHead;
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
   * events. Those are taken out in order and the rest bucket by bucket in list order, then all
   * inserted in that order (each after its equals), so equal keys keep their order.
   */
  private resize(nb: number): void {
    const s = this.scratch, link = this.link;
    const k = Math.min(SAMPLE, this.n);
    for (let i = 0; i < k; i++) {
      const slot = this.first();
      this.unlink(slot);
      s[i] = slot;
    }
    let width = sampledWidth(this.key, s, k);
    let m = k;
    for (let b = 0; b < this.nb; b++) for (let e = this.ends[2 * b]; e >= 0; e = link[K.RI * e + K.NEXT]) s[m++] = e;
    // A width so small that its inverse overflows (denormal separations) would make every day
    // Infinity, and day 0 x Infinity NaN: keep the old one.
    // The first events all at one time (a barrier's, say) give no width: spread the pending
    // events' span over them instead, no finer than the times can differ. Keeping the old width
    // would leave a cluster whose times differ below it in one bucket, each insert walking it.
    if (!(width > 0) && m > 1) width = spreadWidth(this.key, s, m);
    if (width > 0 && width < Infinity && 1 / width < Infinity) {
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
    this.startWindow();
  }

  private grow(): void {
    const old = this.cap;
    const cap = old * 2;
    if (cap > K.SLOT_SPACE) throw new Error(`event queue full: more than ${K.SLOT_SPACE} pending events`);
    const buf = new ArrayBuffer(8 * K.R * cap);
    new Uint8Array(buf).set(new Uint8Array(this.key.buffer));
    this.key = new Float64Array(buf);
    const link = (this.link = new Int32Array(buf));
    for (let s = old; s < cap; s++) link[K.RI * s + K.PREV] = K.FREE;
    const prio = new Int16Array(cap), ident = new Int32Array(cap);
    prio.set(this.prio);
    ident.set(this.ident);
    this.prio = prio;
    this.ident = ident;
    this.scratch = new Int32Array(cap);
    this.addFree(old, cap);
    this.payload.length = 2 * cap;
    this.cap = cap;
  }

  /** Puts slots [from, to) on the free list, lowest first out. */
  private addFree(from: number, to: number): void {
    for (let i = to - 1; i >= from; i--) {
      this.link[K.RI * i + K.NEXT] = this.freeHead;
      this.freeHead = i;
    }
  }
}

/**
 * Brown's width: WIDTH_FACTOR x the mean separation of the sampled times (in order), recomputed
 * without the separations over twice the first mean. 0 (keep the width) when they are all equal.
 */
/** A day width that spreads the `m` events' span evenly, at least the spacing of doubles at their latest time; 0 if they all share one time. */
function spreadWidth(key: Float64Array, slots: Int32Array, m: number): number {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < m; i++) {
    const t = key[K.R * slots[i]];
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (!(hi > lo)) return 0;
  const ulp = Math.max(Math.abs(lo), Math.abs(hi)) * Number.EPSILON;
  return Math.max((WIDTH_FACTOR * (hi - lo)) / m, ulp);
}

function sampledWidth(key: Float64Array, slots: Int32Array, k: number): number {
  // Equal times share a day whatever the width, so only separations between distinct times count.
  let distinct = 0;
  for (let i = 1; i < k; i++) if (key[K.R * slots[i]] !== key[K.R * slots[i - 1]]) distinct++;
  if (distinct === 0) return 0;
  const mean = (key[K.R * slots[k - 1]] - key[K.R * slots[0]]) / distinct;
  let sum = 0, count = 0;
  for (let i = 1; i < k; i++) {
    const sep = key[K.R * slots[i]] - key[K.R * slots[i - 1]];
    if (sep > 0 && sep <= 2 * mean) {
      sum += sep;
      count++;
    }
  }
  return count > 0 ? (WIDTH_FACTOR * sum) / count : 0;
}
