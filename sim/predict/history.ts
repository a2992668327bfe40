/** The last `capacity` samples of a series, newest first by index, without reallocating. */
export class History {
  private readonly buf: Float64Array;
  private head = 0;
  /** Samples held (at most capacity). */
  size = 0;
  /** Samples ever pushed. */
  count = 0;

  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
  }

  push(x: number): void {
    this.buf[this.head] = x;
    this.head = (this.head + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    this.count++;
  }

  /** The sample i steps back (0 = newest); undefined beyond what is held. */
  back(i: number): number {
    if (i >= this.size) return NaN;
    let j = this.head - 1 - i;
    if (j < 0) j += this.capacity;
    return this.buf[j];
  }

  /** The newest n samples into out, newest first (out[i] = back(i)); missing ones as `fill`. */
  recent(out: Float64Array<ArrayBufferLike>, n: number, fill: number): void {
    let j = this.head - 1;
    for (let i = 0; i < n; i++, j--) {
      if (j < 0) j += this.capacity;
      out[i] = i < this.size ? this.buf[j] : fill;
    }
  }

  /** Oldest to newest, into out (length >= size); returns the filled view. */
  ordered(out = new Float64Array(this.size)): Float64Array {
    const start = (this.head - this.size + this.capacity) % this.capacity;
    const first = Math.min(this.size, this.capacity - start);
    out.set(this.buf.subarray(start, start + first), 0);
    if (first < this.size) out.set(this.buf.subarray(0, this.size - first), first);
    return out.subarray(0, this.size);
  }
}
