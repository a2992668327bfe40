/**
 * Max-min fair sharing (the bottleneck algorithm): repeatedly find the resource whose equal
 * share among its unfixed flows is smallest, fix those flows at that share, and charge it to
 * every other resource they cross. A flow's own cap acts as a private resource. Shares only
 * grow as flows are fixed, so a heap with stale entries skipped finds each bottleneck.
 *
 * Input is compressed (CSR): flow f crosses resources flowRes[flowStart[f] .. flowStart[f+1]).
 */
import { MinHeap } from "./minheap.js";

export interface MaxMinProblem {
  capacity: Float64Array;
  nFlows: number;
  flowStart: Int32Array;
  flowRes: Int32Array;
  /** Per-flow rate cap; Infinity for none. */
  cap: Float64Array;
}

export class MaxMinSolver {
  private rem = new Float64Array(0);
  private unfixed = new Int32Array(0);
  private resStart = new Int32Array(0);
  private resFlows = new Int32Array(0);
  private fixed = new Uint8Array(0);
  private order = new Int32Array(0);
  private heap = new MinHeap();

  /** Writes each flow's rate into `rates`. */
  solve(p: MaxMinProblem, rates: Float64Array): void {
    const nRes = p.capacity.length, nFlows = p.nFlows;
    const nLinks = p.flowStart[nFlows];
    this.ensure(nRes, nFlows, nLinks);
    const { rem, unfixed, resStart, resFlows, fixed, order, heap } = this;
    const { flowStart, flowRes, cap } = p;

    // Transpose flow -> resources into resource -> flows.
    unfixed.fill(0, 0, nRes);
    for (let i = 0; i < nLinks; i++) unfixed[flowRes[i]]++;
    resStart[0] = 0;
    for (let r = 0; r < nRes; r++) resStart[r + 1] = resStart[r] + unfixed[r];
    const fill = this.unfixedCursor(nRes);
    for (let f = 0; f < nFlows; f++) {
      for (let i = flowStart[f]; i < flowStart[f + 1]; i++) resFlows[fill[flowRes[i]]++] = f;
    }

    heap.clear();
    for (let r = 0; r < nRes; r++) {
      rem[r] = p.capacity[r];
      if (unfixed[r] > 0) heap.push(rem[r] / unfixed[r], r);
    }
    fixed.fill(0, 0, nFlows);
    let nCapped = 0;
    for (let f = 0; f < nFlows; f++) if (cap[f] < Infinity) order[nCapped++] = f;
    const capped = order.subarray(0, nCapped).sort((a, b) => cap[a] - cap[b] || a - b);
    let ci = 0;
    let left = nFlows;

    const fix = (f: number, rate: number) => {
      rates[f] = rate;
      fixed[f] = 1;
      left--;
      for (let i = flowStart[f]; i < flowStart[f + 1]; i++) {
        const r = flowRes[i];
        rem[r] -= rate;
        if (--unfixed[r] > 0) heap.push(Math.max(0, rem[r]) / unfixed[r], r);
      }
    };

    while (left > 0) {
      // Drop stale heap entries: the resource's share has moved on, or it has no flows left.
      while (heap.size > 0) {
        const r = heap.topValue();
        if (unfixed[r] > 0 && heap.topKey() === Math.max(0, rem[r]) / unfixed[r]) break;
        heap.pop();
      }
      while (ci < capped.length && fixed[capped[ci]]) ci++;
      const share = heap.size > 0 ? heap.topKey() : Infinity;
      if (ci < capped.length && cap[capped[ci]] < share) {
        const f = capped[ci++];
        fix(f, cap[f]);
      } else if (heap.size > 0) {
        const r = heap.topValue();
        heap.pop();
        for (let i = resStart[r]; i < resStart[r + 1]; i++) {
          const f = resFlows[i];
          if (!fixed[f]) fix(f, share);
        }
      } else {
        // Flows that cross no resource and have no cap.
        for (let f = 0; f < nFlows; f++) if (!fixed[f]) fix(f, Infinity);
      }
    }
  }

  private cursor = new Int32Array(0);
  private unfixedCursor(nRes: number): Int32Array {
    if (this.cursor.length < nRes) this.cursor = new Int32Array(nRes * 2);
    this.cursor.set(this.resStart.subarray(0, nRes));
    return this.cursor;
  }

  private ensure(nRes: number, nFlows: number, nLinks: number): void {
    if (this.rem.length < nRes) {
      this.rem = new Float64Array(nRes * 2);
      this.unfixed = new Int32Array(nRes * 2);
      this.resStart = new Int32Array(nRes * 2 + 1);
    }
    if (this.fixed.length < nFlows) {
      this.fixed = new Uint8Array(nFlows * 2);
      this.order = new Int32Array(nFlows * 2);
    }
    if (this.resFlows.length < nLinks) this.resFlows = new Int32Array(nLinks * 2);
  }
}
