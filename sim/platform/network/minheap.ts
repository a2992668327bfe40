/** Min-heap of (key, id) pairs in typed arrays, ties by id; duplicates allowed. */
export class MinHeap {
  private keys = new Float64Array(64);
  private vals = new Int32Array(64);
  size = 0;

  clear(): void {
    this.size = 0;
  }

  topKey(): number {
    return this.keys[0];
  }

  topValue(): number {
    return this.vals[0];
  }

  push(key: number, val: number): void {
    if (this.size === this.keys.length) {
      const k = new Float64Array(this.size * 2), v = new Int32Array(this.size * 2);
      k.set(this.keys);
      v.set(this.vals);
      this.keys = k;
      this.vals = v;
    }
    const keys = this.keys, vals = this.vals;
    let i = this.size++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (keys[up] < key || (keys[up] === key && vals[up] <= val)) break;
      keys[i] = keys[up];
      vals[i] = vals[up];
      i = up;
    }
    keys[i] = key;
    vals[i] = val;
  }

  pop(): void {
    const keys = this.keys, vals = this.vals;
    const n = --this.size;
    if (n === 0) return;
    const key = keys[n], val = vals[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (keys[c + 1] < keys[c] || (keys[c + 1] === keys[c] && vals[c + 1] < vals[c]))) c++;
      if (key < keys[c] || (key === keys[c] && val <= vals[c])) break;
      keys[i] = keys[c];
      vals[i] = vals[c];
      i = c;
    }
    keys[i] = key;
    vals[i] = val;
  }
}
