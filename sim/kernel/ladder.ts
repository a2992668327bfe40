/**
 * Pending events in (time, priority, sequence) order: a ladder queue (Tang, Goh & Thng 2005),
 * with the same interface, keys and handles as the calendar `EventQueue`.
 *
 * Events later than everything sorted so far go to Top, an unsorted list (a push touches only
 * the event's own slot, the one just popped). When nothing else is left, Top becomes rung 0:
 * buckets of equal width over its time range, about LOAD events each. The dequeue sweeps the
 * lowest rung's buckets in time order; a bucket of more than THRES events becomes a finer rung
 * below it, a smaller one is sorted into Bottom, a short sorted array consumed from its front.
 * A push lands where its time belongs: Top, a later bucket of some rung (pushed on the bucket's
 * unsorted list: the bucket array is small, LOAD events per entry), or Bottom (sorted insert).
 *
 * Exact order: a rung's bucket index floor((t - start) x inv), clamped to the rung, is monotone
 * in t, so equal times always share a bucket and a later bucket never holds an earlier time;
 * every event in Bottom orders before every other, and Bottom is sorted on the full key.
 * Cancelling marks the slot dead (O(1)); dead slots are freed where the sweep meets them, and the
 * whole ladder is rebuilt when they outnumber the live ones, so they stay bounded.
 */
import type { Callback, Handle } from "./queue.js";
import { MAX_PRIORITY, MIN_PRIORITY } from "./queue.js";

const SLOT_SPACE = 2 ** 25;
const GEN_SPACE = 2 ** 28;
const PRIORITY_BIAS = 512;
const SEQ_SPACE = 2 ** 43;
/** Events per rung-0 bucket, on average. */
const LOAD = Number(process.env.LADDER_LOAD ?? 4);
/** A bucket with more events than this becomes a rung of its own rather than Bottom. */
const THRES = 48;
const MAX_RUNGS = 8;

// Slot record, 32 bytes: float64 [time, order] at 4 x slot; int32 [next, state, generation] at 8 x slot + 4.
const NEXT = 4, STATE = 5, GEN = 6;
const FREE = 0, TOP = 1, RUNG = 2, BOTTOM = 3, DEAD = 4;

export class LadderQueue {
  private cap: number;
  private n = 0;
  private dead = 0;
  private nextSeq = 0;
  private readonly seqSpace: number;
  private key: Float64Array;
  private link: Int32Array;
  private payload: unknown[] = [];
  private freeHead = -1;
  // Top: times and slots appended in arrays, with bounds of the times; `topBound` decides
  // between Top and Bottom while there is no rung.
  private topTime: Float64Array<ArrayBuffer> = new Float64Array(64);
  private topSlot: Int32Array<ArrayBuffer> = new Int32Array(64);
  private topCount = 0;
  private topMin = Infinity;
  private topMax = -Infinity;
  private topBound = -Infinity;
  // Rungs 0..rungs-1: per rung [head, count] pairs, start, inverse width, bucket count and the
  // bucket being consumed (its events are in the rung below or in Bottom).
  private rungs = 0;
  private buckets: Int32Array[] = [];
  private start = new Float64Array(MAX_RUNGS);
  private inv = new Float64Array(MAX_RUNGS);
  private nb = new Int32Array(MAX_RUNGS);
  private cur = new Int32Array(MAX_RUNGS);
  // Bottom: slots sorted by key in bot[botHead..botEnd).
  private bot: Int32Array<ArrayBuffer> = new Int32Array(64);
  private botHead = 0;
  private botEnd = 0;

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
    let b = this.key.byteLength + 8 * this.payload.length + this.bot.byteLength + this.topTime.byteLength + this.topSlot.byteLength;
    for (const r of this.buckets) b += r.byteLength;
    return b;
  }

  peekTime(): number {
    return this.n > 0 ? this.key[4 * this.bot[this.first()]] : Infinity;
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
    this.place(slot);
    this.n++;
    return link[8 * slot + GEN] * SLOT_SPACE + slot;
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
    if (!(slot >= 0 && slot < this.cap)) return false;
    const st = this.link[8 * slot + STATE];
    return this.link[8 * slot + GEN] === (handle - slot) / SLOT_SPACE && st !== FREE && st !== DEAD;
  }

  pop(): boolean {
    return this.popUntil(Infinity);
  }

  popUntil(until: number): boolean {
    if (this.n === 0) return false;
    const i = this.first();
    const slot = this.bot[i];
    const t = this.key[4 * slot];
    if (!(t <= until)) return false;
    this.botHead = i + 1;
    this.poppedTime = t;
    this.poppedFn = this.payload[2 * slot] as Callback;
    this.poppedArg = this.payload[2 * slot + 1];
    this.release(slot);
    this.n--;
    return true;
  }

  /** Index in `bot` of the first live event (queue not empty), refilling Bottom as needed. */
  private first(): number {
    const bot = this.bot, link = this.link;
    for (;;) {
      while (this.botHead < this.botEnd) {
        const s = bot[this.botHead];
        if (link[8 * s + STATE] !== DEAD) return this.botHead;
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
        return;
      }
      const r = this.rungs - 1;
      const bk = this.buckets[r], nb = this.nb[r];
      let k = this.cur[r] + 1;
      while (k < nb && bk[2 * k + 1] === 0) k++;
      this.cur[r] = k;
      if (k === nb) {
        this.rungs--;
        continue;
      }
      const head = bk[2 * k], count = bk[2 * k + 1];
      bk[2 * k] = -1;
      bk[2 * k + 1] = 0;
      if (count > THRES && this.rungs < MAX_RUNGS && this.spread(head, count, Infinity, -Infinity)) continue;
      this.sortIntoBottom(head);
      if (this.botEnd > 0) return;
    }
  }

  /**
   * Moves Top's earliest events into a new rung 0 (or all of Top into Bottom when small or at
   * one time). Rung 0's buckets are LOAD events wide at the density of Top's earliest 1/64 of
   * its time range, so a long tail stays in Top instead of spreading rung 0 thin.
   */
  private fromTop(): void {
    const count = this.topCount, lo = this.topMin, hi = this.topMax;
    const time = this.topTime, slots = this.topSlot, link = this.link;
    this.topMin = Infinity;
    this.topMax = -Infinity;
    if (count <= THRES || !(hi > lo) || !isFinite(hi - lo)) {
      this.topBound = hi;
      this.topCount = 0;
      this.sortIntoBottom(-1, slots, count);
      return;
    }
    const front = lo + (hi - lo) / 64;
    let c0 = 0;
    for (let i = 0; i < count; i++) if (time[i] < front) c0++;
    const w = (LOAD * (front - lo)) / Math.max(1, c0);
    const nb = Math.max(2, Math.min(Math.ceil(count / LOAD), Math.floor((hi - lo) / w) + 1));
    const bk = this.newRung(lo, 1 / w, nb);
    const inv = this.inv[0];
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const s = slots[i], t = time[i];
      if (link[8 * s + STATE] === DEAD) {
        this.dead--;
        this.release(s);
        continue;
      }
      const k = Math.floor((t - lo) * inv);
      if (k < nb) {
        link[8 * s + NEXT] = bk[2 * k];
        link[8 * s + STATE] = RUNG;
        bk[2 * k] = s;
        bk[2 * k + 1]++;
      } else {
        time[kept] = t;
        slots[kept++] = s;
        if (t < this.topMin) this.topMin = t;
        if (t > this.topMax) this.topMax = t;
      }
    }
    this.topCount = kept;
  }

  /** A new lowest rung of `nb` empty buckets from `start`, `inv` buckets per time unit. */
  private newRung(start: number, inv: number, nb: number): Int32Array {
    const r = this.rungs++;
    let bk = this.buckets[r];
    if (bk === undefined || bk.length < 2 * nb || bk.length > 8 * nb + 64) bk = this.buckets[r] = new Int32Array(2 * nb);
    bk.fill(0, 0, 2 * nb);
    for (let k = 0; k < nb; k++) bk[2 * k] = -1;
    this.start[r] = start;
    this.inv[r] = inv;
    this.nb[r] = nb;
    this.cur[r] = -1;
    return bk;
  }

  /**
   * Makes a rung below the others from the list at `head` (its times within [lo, hi] when
   * known); false, with nothing moved, if they share one time (no width splits them).
   */
  private spread(head: number, count: number, lo: number, hi: number): boolean {
    const key = this.key, link = this.link;
    if (!(lo <= hi)) for (let e = head; e >= 0; e = link[8 * e + NEXT]) {
      const t = key[4 * e];
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    if (!(hi > lo) || !isFinite(hi - lo)) return false;
    const nb = Math.max(2, Math.ceil(count / LOAD));
    const bk = this.newRung(lo, nb / (hi - lo), nb);
    const inv = this.inv[this.rungs - 1];
    for (let e = head; e >= 0; ) {
      const next = link[8 * e + NEXT];
      if (link[8 * e + STATE] === DEAD) {
        this.dead--;
        this.release(e);
      } else {
        let k = Math.floor((key[4 * e] - lo) * inv);
        if (k >= nb) k = nb - 1;
        else if (k < 0) k = 0;
        link[8 * e + NEXT] = bk[2 * k];
        link[8 * e + STATE] = RUNG;
        bk[2 * k] = e;
        bk[2 * k + 1]++;
      }
      e = next;
    }
    return true;
  }

  /**
   * Sorts the live slots of the list at `head`, then of `more[0..count)`, into the empty Bottom;
   * frees the dead.
   */
  private sortIntoBottom(head: number, more?: Int32Array, count = 0): void {
    const key = this.key, link = this.link;
    let m = 0;
    for (let e = head, i = 0; e >= 0 || i < count; ) {
      let next = -1;
      if (e >= 0) next = link[8 * e + NEXT];
      else e = more![i++];
      if (link[8 * e + STATE] === DEAD) {
        this.dead--;
        this.release(e);
      } else {
        if (m === this.bot.length) this.bot = grown(this.bot);
        this.bot[m++] = e;
        link[8 * e + STATE] = BOTTOM;
      }
      e = next;
    }
    const bot = this.bot;
    if (m > 64) {
      bot.subarray(0, m).sort((a, b) => key[4 * a] - key[4 * b] || key[4 * a + 1] - key[4 * b + 1]);
    } else {
      // Insertion sort: buckets hold a few events.
      for (let i = 1; i < m; i++) {
        const s = bot[i], t = key[4 * s], o = key[4 * s + 1];
        let j = i - 1;
        while (j >= 0 && (key[4 * bot[j]] !== t ? key[4 * bot[j]] > t : key[4 * bot[j] + 1] > o)) {
          bot[j + 1] = bot[j];
          j--;
        }
        bot[j + 1] = s;
      }
    }
    this.botHead = 0;
    this.botEnd = m;
  }

  /** Puts a keyed slot where its time belongs. */
  private place(s: number): void {
    const key = this.key, link = this.link;
    const t = key[4 * s];
    if (this.rungs === 0 ? t > this.topBound : Math.floor((t - this.start[0]) * this.inv[0]) >= this.nb[0]) {
      if (this.topCount === this.topSlot.length) {
        this.topSlot = grown(this.topSlot);
        const time = new Float64Array(this.topSlot.length);
        time.set(this.topTime);
        this.topTime = time;
      }
      this.topTime[this.topCount] = t;
      this.topSlot[this.topCount++] = s;
      link[8 * s + STATE] = TOP;
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
        const bk = this.buckets[r];
        link[8 * s + NEXT] = bk[2 * k];
        link[8 * s + STATE] = RUNG;
        bk[2 * k] = s;
        bk[2 * k + 1]++;
        return;
      }
      // Before the bucket being consumed: earlier than all but Bottom.
      if (k < c) break;
    }
    this.insertBottom(s);
  }

  /** Sorted insert into Bottom, after every entry that orders before it. */
  private insertBottom(s: number): void {
    const key = this.key;
    const t = key[4 * s], o = key[4 * s + 1];
    let bot = this.bot;
    let lo = this.botHead, hi = this.botEnd;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = bot[mid];
      if (key[4 * m] !== t ? key[4 * m] < t : key[4 * m + 1] < o) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.botHead && this.botHead > 0) {
      bot[--this.botHead] = s;
    } else {
      if (this.botEnd === bot.length) {
        // Slide to the front, or grow.
        const live = this.botEnd - this.botHead;
        if (this.botHead >= live) bot.copyWithin(0, this.botHead, this.botEnd);
        else bot = this.bot = grown(bot, this.botHead, this.botEnd);
        lo -= this.botHead;
        this.botEnd = live;
        this.botHead = 0;
      }
      bot.copyWithin(lo + 1, lo, this.botEnd);
      bot[lo] = s;
      this.botEnd++;
    }
    this.link[8 * s + STATE] = BOTTOM;
  }

  private release(slot: number): void {
    const link = this.link, payload = this.payload;
    link[8 * slot + STATE] = FREE;
    payload[2 * slot] = undefined;
    payload[2 * slot + 1] = undefined;
    link[8 * slot + GEN] = (link[8 * slot + GEN] + 1) & (GEN_SPACE - 1);
    link[8 * slot + NEXT] = this.freeHead;
    this.freeHead = slot;
  }

  /** Every slot held by Top, the rungs or Bottom, dead ones included. */
  private held(): number[] {
    const link = this.link, out: number[] = [];
    for (let i = 0; i < this.topCount; i++) out.push(this.topSlot[i]);
    for (let r = 0; r < this.rungs; r++) {
      const bk = this.buckets[r];
      for (let k = 0; k < this.nb[r]; k++) for (let e = bk[2 * k]; e >= 0; e = link[8 * e + NEXT]) out.push(e);
    }
    for (let i = this.botHead; i < this.botEnd; i++) out.push(this.bot[i]);
    return out;
  }

  /** Dead slots outnumber the live: frees them and puts the live back into Top. */
  private compact(): void {
    const all = this.held();
    this.topCount = 0;
    this.topMin = Infinity;
    this.topMax = -Infinity;
    this.topBound = -Infinity;
    this.rungs = 0;
    this.botHead = this.botEnd = 0;
    for (const e of all) {
      if (this.link[8 * e + STATE] === DEAD) this.release(e);
      else this.place(e);
    }
    this.dead = 0;
  }

  /** Sequences ran out: the live events get 0..n-1 in their present order (places unchanged). */
  private renumber(): void {
    const key = this.key, space = this.seqSpace;
    const live = this.held().filter((e) => this.link[8 * e + STATE] !== DEAD);
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

/** A copy twice as long, holding a[from..to) from index 0. */
function grown(a: Int32Array, from = 0, to = a.length): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a.subarray(from, to));
  return b;
}
