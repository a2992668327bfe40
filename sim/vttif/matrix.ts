/**
 * The global traffic matrix: bytes per (src VM, dst VM), dense over the VMs seen so far,
 * smoothed as a running sum over the last `window` update intervals (a ring of dense
 * interval matrices, so dropping the oldest is one subtraction pass).
 */
export class TrafficMatrix {
  readonly names: string[] = [];
  private index = new Map<string, number>();
  /** Row length of `sum` (capacity in VMs). */
  stride: number;
  /** Running sum over the window, row-major with `stride`. */
  sum: Float64Array;
  private ring: Float64Array[] = [];
  private filled = 0;

  constructor(readonly window: number, capacity = 16) {
    this.stride = capacity;
    this.sum = new Float64Array(capacity * capacity);
  }

  get size(): number {
    return this.names.length;
  }

  vm(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
      if (i >= this.stride) this.grow();
    }
    return i;
  }

  /** Adds one interval's samples and drops the interval that falls out of the window. */
  push(samples: readonly { src: string; dst: string; bytes: number }[]): void {
    // Resolve names first: a new VM may grow the matrices.
    const cells = new Int32Array(samples.length);
    let lastSrc = "", a = 0;
    for (let k = 0; k < samples.length; k++) {
      const s = samples[k];
      // A daemon's samples come grouped by sender: look each sender up once.
      if (s.src !== lastSrc) {
        a = this.vm(s.src);
        lastSrc = s.src;
      }
      cells[k] = a * 0x10000 + this.vm(s.dst);
    }
    const stride = this.stride;
    let slot: Float64Array;
    if (this.ring.length < this.window) {
      slot = new Float64Array(stride * stride);
      this.ring.push(slot);
    } else {
      slot = this.ring[this.filled % this.window];
      const sum = this.sum;
      for (let i = 0; i < slot.length; i++) {
        if (slot[i] !== 0) {
          sum[i] -= slot[i];
          if (sum[i] < 1e-9) sum[i] = 0;
          slot[i] = 0;
        }
      }
    }
    this.filled++;
    for (let k = 0; k < cells.length; k++) {
      const c = (cells[k] >>> 16) * stride + (cells[k] & 0xffff);
      slot[c] += samples[k].bytes;
      this.sum[c] += samples[k].bytes;
    }
  }

  /** Mean bytes per second over the window. */
  rate(src: number, dst: number, interval: number): number {
    return this.sum[src * this.stride + dst] / (Math.max(1, Math.min(this.filled, this.window)) * interval);
  }

  private grow(): void {
    const old = this.stride, cap = old * 2;
    const relayout = (m: Float64Array) => {
      const next = new Float64Array(cap * cap);
      for (let r = 0; r < old; r++) next.set(m.subarray(r * old, (r + 1) * old), r * cap);
      return next;
    };
    this.sum = relayout(this.sum);
    this.ring = this.ring.map(relayout);
    this.stride = cap;
  }
}
