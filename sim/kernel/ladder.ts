/**
 * Pending events in (time, priority, sequence) order: a ladder queue (Tang, Goh & Thng 2005),
 * with the same interface, keys and handles as the calendar `EventQueue`.
 *
 * Events later than everything sorted so far are appended to Top, arrays of (time, slot) read
 * and written in sequence. When nothing else is left, Top's front becomes rung 0: buckets LOAD
 * events wide at the density of Top's earliest times, filled by a counting sort into one packed
 * (time, slot) array, so a bucket is read in sequence; what lies beyond them stays in Top. The
 * dequeue sweeps the lowest rung's buckets in time order: a bucket of more than THRES events
 * becomes a finer rung below it, a smaller one is sorted into Bottom, a short sorted (time, slot)
 * array consumed from its front. A push lands where its time belongs: Top, a later bucket of some
 * rung (on that bucket's overflow list, linked through the slots), or Bottom (sorted insert; a
 * Bottom grown past BOTTOM_MAX becomes the lowest rung).
 *
 * Exact order: a rung's bucket index floor((t - start) x inv), clamped to the rung, is monotone
 * in t, so equal times always share a bucket and a later bucket never holds an earlier time;
 * every event in Bottom orders before every other, and Bottom is sorted on the full key.
 * Cancelling marks the slot dead (O(1)); dead slots are freed where a pop meets them, and the
 * whole ladder is rebuilt when they outnumber the live ones, so they stay bounded.
 */
import type { Callback, Handle } from "./queue.js";
import { MAX_PRIORITY, MIN_PRIORITY } from "./queue.js";

const SLOT_SPACE = 2 ** 25;
const GEN_SPACE = 2 ** 28;
const PRIORITY_BIAS = 512;
const SEQ_SPACE = 2 ** 43;
/** Events per bucket of a new rung, on average. */
const LOAD = 16;
/** A bucket with more events than this becomes a rung of its own rather than Bottom. */
const THRES = 48;
const MAX_RUNGS = 8;
/** Bottom longer than this after a push becomes a rung. */
const BOTTOM_MAX = 4 * THRES;

// Slot record, 32 bytes: float64 [time, order] at 4 x slot; int32 [next, state, generation] at 8 x slot + 4.
const NEXT = 4, STATE = 5, GEN = 6;
const FREE = 0, LIVE = 1, DEAD = 2;

type F64 = Float64Array<ArrayBuffer>;
type I32 = Int32Array<ArrayBuffer>;

export class LadderQueue {
  private cap: number;
  private n = 0;
  private dead = 0;
  private nextSeq = 0;
  private readonly seqSpace: number;
  private key: F64;
  private link: I32;
  private payload: unknown[] = [];
  private freeHead = -1;
  // Top: appended (time, slot), with bounds of the times. Times above `topBound` go there while
  // `topByBound` (no rung, or only rungs made from Bottom), else those beyond rung 0's buckets.
  private topTime: F64 = new Float64Array(64);
  private topSlot: I32 = new Int32Array(64);
  private topCount = 0;
  private topMin = Infinity;
  private topMax = -Infinity;
  private topBound = -Infinity;
  private topByBound = true;
  // Rungs 0..rungs-1: bucket k's packed events are time/slot[offs[k]..offs[k + 1]), its later
  // arrivals a list from heads[k]; `cur` is the bucket being consumed (in the rung below or Bottom).
  private rungs = 0;
  /** Packed events of each rung, [time, slot] pairs: a scatter writes one line, not two. */
  private rPair: F64[] = [];
  private offs: I32[] = [];
  private heads: I32[] = [];
  private start = new Float64Array(MAX_RUNGS);
  private inv = new Float64Array(MAX_RUNGS);
  private nb = new Int32Array(MAX_RUNGS);
  private cur = new Int32Array(MAX_RUNGS);
  // Bottom: sorted (time, slot) in [botHead, botEnd).
  private botTime: F64 = new Float64Array(64);
  private botSlot: I32 = new Int32Array(64);
  private botHead = 0;
  private botEnd = 0;
  // A bucket gathered before it is sorted or spread; write cursors of a counting sort.
  private gTime: F64 = new Float64Array(64);
  private gSlot: I32 = new Int32Array(64);
  private cursor: I32 = new Int32Array(64);

  poppedTime = 0;
  poppedFn: Callback | undefined;
  poppedArg: unknown;

  constructor(capacity = 1024, seqSpace = SEQ_SPACE) {
    this.cap = Math.max(16, capacity);
    this.seqSpace = Math.min(seqSpace, SEQ_SPACE);
    const buf = new ArrayBuffer(32 * this.cap);
    this.key = new Float64Array(buf);
    this.link = new Int32Array(buf);
    this.addFree(0, this.cap);
    this.payload.length = 2 * this.cap;
  }

  get size(): number {
    return this.n;
  }

  get bytes(): number {
    let b = this.key.byteLength + 8 * this.payload.length + this.cursor.byteLength;
    for (const a of [this.topTime, this.topSlot, this.botTime, this.botSlot, this.gTime, this.gSlot]) b += a.byteLength;
    for (let r = 0; r < this.rPair.length; r++) b += this.rPair[r].byteLength + this.offs[r].byteLength + this.heads[r].byteLength;
    return b;
  }

  peekTime(): number {
    return this.n > 0 ? this.botTime[this.first()] : Infinity;
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
    payload[2 * slot] = fn;
    payload[2 * slot + 1] = arg;
    key[4 * slot] = time;
    key[4 * slot + 1] = (priority + PRIORITY_BIAS) * this.seqSpace + this.nextSeq++;
    link[8 * slot + STATE] = LIVE;
    // A new generation when the slot is taken, not when freed: a pop then only writes the record.
    const gen = (link[8 * slot + GEN] = (link[8 * slot + GEN] + 1) & (GEN_SPACE - 1));
    this.place(slot, time);
    this.n++;
    return gen * SLOT_SPACE + slot;
  }

  cancel(handle: Handle): boolean {
    if (!this.pending(handle)) return false;
    const slot = handle % SLOT_SPACE;
    this.link[8 * slot + STATE] = DEAD;
    this.payload[2 * slot] = undefined;
    this.payload[2 * slot + 1] = undefined;
    this.n--;
    if (++this.dead > this.n + 1024) this.compact();
    return true;
  }

  pending(handle: Handle): boolean {
    const slot = handle % SLOT_SPACE;
    return slot >= 0 && slot < this.cap && this.link[8 * slot + GEN] === (handle - slot) / SLOT_SPACE && this.link[8 * slot + STATE] === LIVE;
  }

  pop(): boolean {
    return this.popUntil(Infinity);
  }

  popUntil(until: number): boolean {
    if (this.n === 0) return false;
    const i = this.first();
    const t = this.botTime[i];
    if (!(t <= until)) return false;
    const slot = this.botSlot[i];
    this.botHead = i + 1;
    this.poppedTime = t;
    this.poppedFn = this.payload[2 * slot] as Callback;
    this.poppedArg = this.payload[2 * slot + 1];
    this.release(slot);
    this.n--;
    return true;
  }

  /** Index in Bottom of the first live event (queue not empty), refilling Bottom as needed. */
  private first(): number {
    const link = this.link;
    for (;;) {
      while (this.botHead < this.botEnd) {
        const s = this.botSlot[this.botHead];
        // A cancelled event's callback is cleared: the record is read only then (the pop reads the callback anyway).
        if (this.payload[2 * s] !== undefined || link[8 * s + STATE] !== DEAD) return this.botHead;
        this.dead--;
        this.release(s);
        this.botHead++;
      }
      this.refill();
    }
  }

  /** Bottom is empty: fills it from the lowest rung's next bucket, or from Top. */
  private refill(): void {
    this.botHead = this.botEnd = 0;
    for (;;) {
      if (this.rungs === 0) {
        this.fromTop();
        if (this.botEnd > 0) return;
        continue;
      }
      const r = this.rungs - 1;
      const offs = this.offs[r], heads = this.heads[r], nb = this.nb[r];
      let k = this.cur[r] + 1;
      while (k < nb && offs[k] === offs[k + 1] && heads[k] < 0) k++;
      this.cur[r] = k;
      if (k === nb) {
        this.rungs--;
        continue;
      }
      const m = this.gather(r, k);
      if (m > THRES && this.rungs < MAX_RUNGS) {
        const time = this.gTime;
        let lo = Infinity, hi = -Infinity;
        for (let i = 0; i < m; i++) {
          if (time[i] < lo) lo = time[i];
          if (time[i] > hi) hi = time[i];
        }
        if (hi > lo && isFinite(hi - lo)) {
          this.build(time, this.gSlot, m, lo, hi, false);
          continue;
        }
      }
      this.sortIntoBottom(this.gTime, this.gSlot, m);
      return;
    }
  }

  /** Bucket k of rung r, packed events then later arrivals, into gTime/gSlot; their count. */
  private gather(r: number, k: number): number {
    const offs = this.offs[r], heads = this.heads[r], link = this.link, key = this.key;
    const a = offs[k], b = offs[k + 1];
    let m = b - a;
    for (let e = heads[k]; e >= 0; e = link[8 * e + NEXT]) m++;
    if (m > this.gTime.length) {
      this.gTime = new Float64Array(2 * m);
      this.gSlot = new Int32Array(2 * m);
    }
    const gt = this.gTime, gs = this.gSlot;
    const pair = this.rPair[r];
    for (let j = a; j < b; j++) {
      gt[j - a] = pair[2 * j];
      gs[j - a] = pair[2 * j + 1];
    }
    let i = b - a;
    for (let e = heads[k]; e >= 0; e = link[8 * e + NEXT]) {
      gt[i] = key[4 * e];
      gs[i++] = e;
    }
    heads[k] = -1;
    return m;
  }

  /** Moves Top's earliest events into a new rung 0, or all of Top into Bottom when small or at one time. */
  private fromTop(): void {
    const count = this.topCount, lo = this.topMin, hi = this.topMax;
    this.topMin = Infinity;
    this.topMax = -Infinity;
    if (count <= THRES || !(hi > lo) || !isFinite(hi - lo)) {
      this.topBound = hi;
      this.topByBound = true;
      this.topCount = 0;
      this.sortIntoBottom(this.topTime, this.topSlot, count);
      return;
    }
    this.topByBound = false;
    this.build(this.topTime, this.topSlot, count, lo, hi, true);
  }

  /**
   * A new lowest rung from time/slot[0..m), times in [lo, hi], by a counting sort. From Top, the
   * buckets are LOAD events wide at the density of the earliest 1/64 of [lo, hi] and the events
   * beyond them stay in Top (so a long tail does not spread rung 0 thin); below another rung,
   * they split [lo, hi] into about m / LOAD.
   */
  private build(time: F64, slot: I32, m: number, lo: number, hi: number, fromTop: boolean): void {
    let nb: number, inv: number;
    if (fromTop) {
      const front = lo + (hi - lo) / 64;
      let c0 = 0;
      for (let i = 0; i < m; i++) if (time[i] < front) c0++;
      const w = (LOAD * (front - lo)) / Math.max(1, c0);
      nb = Math.max(2, Math.min(Math.ceil(m / LOAD), Math.floor((hi - lo) / w) + 1));
      inv = 1 / w;
    } else {
      // Two spare buckets: hi lands below nb whatever the rounding, so no event is clamped.
      nb = Math.max(2, Math.ceil(m / LOAD));
      inv = nb / (hi - lo);
      nb += 2;
    }
    const r = this.rungs++;
    if (this.offs[r] === undefined || this.offs[r].length < nb + 1) {
      this.offs[r] = new Int32Array(Math.max(nb + 1, 2 * (this.offs[r]?.length ?? 0)));
      this.heads[r] = new Int32Array(this.offs[r].length);
      this.rPair[r] ??= new Float64Array(0);
    }
    const offs = this.offs[r];
    offs.fill(0, 0, nb + 1);
    this.heads[r].fill(-1, 0, nb);
    this.start[r] = lo;
    this.inv[r] = inv;
    this.nb[r] = nb;
    this.cur[r] = -1;
    // Counts, then starts, then scatter; from Top, what lies beyond the buckets is kept in place.
    for (let i = 0; i < m; i++) {
      const k = Math.floor((time[i] - lo) * inv);
      if (k < nb) offs[k < 0 ? 1 : k + 1]++;
      else if (!fromTop) offs[nb]++;
    }
    for (let k = 0; k < nb; k++) offs[k + 1] += offs[k];
    const total = offs[nb];
    if (this.rPair[r].length < 2 * total) this.rPair[r] = new Float64Array(Math.max(2 * total, 2 * this.rPair[r].length));
    if (this.cursor.length < nb) this.cursor = new Int32Array(2 * nb);
    const cursor = this.cursor, pair = this.rPair[r];
    cursor.set(offs.subarray(0, nb));
    let kept = 0;
    for (let i = 0; i < m; i++) {
      const t = time[i];
      let k = Math.floor((t - lo) * inv);
      if (k >= nb) {
        if (fromTop) {
          time[kept] = t;
          slot[kept++] = slot[i];
          if (t < this.topMin) this.topMin = t;
          if (t > this.topMax) this.topMax = t;
          continue;
        }
        k = nb - 1;
      } else if (k < 0) k = 0;
      const j = cursor[k]++;
      pair[2 * j] = t;
      pair[2 * j + 1] = slot[i];
    }
    if (fromTop) this.topCount = kept;
  }

  /** Sorts time/slot[0..m) into the empty Bottom on (time, order). */
  private sortIntoBottom(time: F64, slot: I32, m: number): void {
    if (m > this.botTime.length) {
      this.botTime = new Float64Array(2 * m);
      this.botSlot = new Int32Array(2 * m);
    }
    const bt = this.botTime, bs = this.botSlot, key = this.key;
    if (m > 64) {
      const idx = Array.from({ length: m }, (_, i) => i);
      idx.sort((a, b) => (time[a] !== time[b] ? (time[a] < time[b] ? -1 : 1) : key[4 * slot[a] + 1] - key[4 * slot[b] + 1]));
      for (let i = 0; i < m; i++) {
        bt[i] = time[idx[i]];
        bs[i] = slot[idx[i]];
      }
    } else {
      // Insertion sort: buckets hold a few events; the order is read only on equal times.
      for (let i = 0; i < m; i++) {
        const t = time[i], s = slot[i];
        let j = i - 1;
        while (j >= 0 && (bt[j] !== t ? bt[j] > t : key[4 * bs[j] + 1] > key[4 * s + 1])) {
          bt[j + 1] = bt[j];
          bs[j + 1] = bs[j];
          j--;
        }
        bt[j + 1] = t;
        bs[j + 1] = s;
      }
    }
    this.botHead = 0;
    this.botEnd = m;
  }

  /** Puts a keyed slot where its time belongs. */
  private place(s: number, t: number): void {
    if (this.topByBound ? t > this.topBound : Math.floor((t - this.start[0]) * this.inv[0]) >= this.nb[0]) {
      if (this.topCount === this.topSlot.length) {
        this.topTime = grownF64(this.topTime, 0, this.topCount);
        this.topSlot = grownI32(this.topSlot, 0, this.topCount);
      }
      this.topTime[this.topCount] = t;
      this.topSlot[this.topCount++] = s;
      if (t < this.topMin) this.topMin = t;
      if (t > this.topMax) this.topMax = t;
      return;
    }
    for (let r = 0; r < this.rungs; r++) {
      const nb = this.nb[r];
      let k = Math.floor((t - this.start[r]) * this.inv[r]);
      if (k >= nb) k = nb - 1;
      else if (k < 0) k = 0;
      const c = this.cur[r];
      if (k > c) {
        const heads = this.heads[r];
        this.link[8 * s + NEXT] = heads[k];
        heads[k] = s;
        return;
      }
      // At or before the bucket being consumed: the rungs below, or Bottom.
    }
    this.insertBottom(s, t);
  }

  /** Sorted insert into Bottom, after every entry that orders before it. */
  private insertBottom(s: number, t: number): void {
    const key = this.key, o = key[4 * s + 1];
    let bt = this.botTime, bs = this.botSlot;
    let lo = this.botHead, hi = this.botEnd;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bt[mid] !== t ? bt[mid] < t : key[4 * bs[mid] + 1] < o) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.botHead && this.botHead > 0) {
      this.botHead--;
      bt[this.botHead] = t;
      bs[this.botHead] = s;
      return;
    }
    if (this.botEnd === bt.length) {
      // Slide to the front, or grow.
      const live = this.botEnd - this.botHead;
      if (this.botHead >= live) {
        bt.copyWithin(0, this.botHead, this.botEnd);
        bs.copyWithin(0, this.botHead, this.botEnd);
      } else {
        bt = this.botTime = grownF64(bt, this.botHead, this.botEnd);
        bs = this.botSlot = grownI32(bs, this.botHead, this.botEnd);
      }
      lo -= this.botHead;
      this.botEnd = live;
      this.botHead = 0;
    }
    bt.copyWithin(lo + 1, lo, this.botEnd);
    bs.copyWithin(lo + 1, lo, this.botEnd);
    bt[lo] = t;
    bs[lo] = s;
    this.botEnd++;
    // Grown long by pushes: it becomes a rung below the others (events all at one time stay).
    const m = this.botEnd - this.botHead;
    if (m > BOTTOM_MAX && this.rungs < MAX_RUNGS && bt[this.botEnd - 1] > bt[this.botHead]) {
      this.build(bt.subarray(this.botHead, this.botEnd), bs.subarray(this.botHead, this.botEnd), m, bt[this.botHead], bt[this.botEnd - 1], false);
      this.botHead = this.botEnd = 0;
    }
  }

  private release(slot: number): void {
    const link = this.link, payload = this.payload;
    link[8 * slot + STATE] = FREE;
    payload[2 * slot] = undefined;
    payload[2 * slot + 1] = undefined;
    link[8 * slot + NEXT] = this.freeHead;
    this.freeHead = slot;
  }

  /** Every slot held by Top, the rungs' unconsumed buckets or Bottom, dead ones included. */
  private held(): number[] {
    const link = this.link, out: number[] = [];
    for (let i = 0; i < this.topCount; i++) out.push(this.topSlot[i]);
    for (let r = 0; r < this.rungs; r++) {
      const offs = this.offs[r], heads = this.heads[r], pair = this.rPair[r];
      for (let k = this.cur[r] + 1; k < this.nb[r]; k++) {
        for (let j = offs[k]; j < offs[k + 1]; j++) out.push(pair[2 * j + 1]);
        for (let e = heads[k]; e >= 0; e = link[8 * e + NEXT]) out.push(e);
      }
    }
    for (let i = this.botHead; i < this.botEnd; i++) out.push(this.botSlot[i]);
    return out;
  }

  /** Dead slots outnumber the live: frees them and puts the live back into Top. */
  private compact(): void {
    const all = this.held();
    this.topCount = 0;
    this.topMin = Infinity;
    this.topMax = -Infinity;
    this.topBound = -Infinity;
    this.topByBound = true;
    this.rungs = 0;
    this.botHead = this.botEnd = 0;
    for (const e of all) {
      if (this.link[8 * e + STATE] === DEAD) this.release(e);
      else this.place(e, this.key[4 * e]);
    }
    this.dead = 0;
  }

  /** Sequences ran out: the live events get 0..n-1 in their present order (places unchanged). */
  private renumber(): void {
    const key = this.key, space = this.seqSpace;
    const live = this.held().filter((e) => this.link[8 * e + STATE] === LIVE);
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
    this.link = new Int32Array(buf);
    this.addFree(old, cap);
    this.payload.length = 2 * cap;
    this.cap = cap;
  }

  private addFree(from: number, to: number): void {
    for (let i = to - 1; i >= from; i--) {
      this.link[8 * i + NEXT] = this.freeHead;
      this.link[8 * i + STATE] = FREE;
      this.freeHead = i;
    }
  }
}

/** Copies twice as long, holding a[from..to) from index 0. */
function grownF64(a: F64, from: number, to: number): F64 {
  const b = new Float64Array(2 * a.length);
  b.set(a.subarray(from, to));
  return b;
}

function grownI32(a: I32, from: number, to: number): I32 {
  const b = new Int32Array(2 * a.length);
  b.set(a.subarray(from, to));
  return b;
}
