/**
 * Weighted max-min fair sharing (the bottleneck algorithm, as SimGrid's lmm solves it).
 * Flow f gets rate lambda / penalty[f], where lambda rises for all flows together; a flow
 * crossing resource r consumes weight * rate of it. Repeatedly find the resource whose level
 * lambda = remaining / sum(weight / penalty) over its unfixed flows is smallest, fix those
 * flows at lambda / penalty, and charge them to every other resource they cross. A flow's cap
 * is a private resource at level cap * penalty. Levels only grow as flows are fixed, so a
 * heap with stale entries skipped finds each bottleneck. With every penalty and weight 1
 * this is plain max-min, computed with the same floating-point operations as before weights.
 *
 * A fat-pipe resource is not shared: its level is capacity / max(weight / penalty) over its
 * unfixed flows, and fixing a flow does not use it up (SimGrid's FATPIPE).
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
  /** Per-flow sharing penalty (> 0): a flow's share is inversely proportional to it. Default 1. */
  penalty?: Float64Array;
  /** Per-element consumption weight, parallel to flowRes. Default 1. */
  weight?: Float64Array;
  /** Per-resource flag: 1 for a fat pipe. Default none. */
  fatpipe?: Uint8Array;
}

export class MaxMinSolver {
  private rem = new Float64Array(0);
  private usage = new Float64Array(0);
  private unfixed = new Int32Array(0);
  private resStart = new Int32Array(0);
  private resFlows = new Int32Array(0);
  private resW = new Float64Array(0);
  private cursor = new Int32Array(0);
  private fixed = new Uint8Array(0);
  private order = new Int32Array(0);
  private heap = new MinHeap();

  /** Writes each flow's rate into `rates`. */
  solve(p: MaxMinProblem, rates: Float64Array): void {
    const nRes = p.capacity.length, nFlows = p.nFlows;
    const nLinks = p.flowStart[nFlows];
    this.ensure(nRes, nFlows, nLinks);
    const { rem, usage, unfixed, resStart, resFlows, resW, cursor, fixed, order, heap } = this;
    const { flowStart, flowRes, cap, penalty, weight, fatpipe } = p;
    const pen = (f: number) => (penalty ? penalty[f] : 1);
    const w = (i: number) => (weight ? weight[i] : 1);

    // Transpose flow -> resources into resource -> flows.
    unfixed.fill(0, 0, nRes);
    for (let i = 0; i < nLinks; i++) unfixed[flowRes[i]]++;
    resStart[0] = 0;
    for (let r = 0; r < nRes; r++) resStart[r + 1] = resStart[r] + unfixed[r];
    cursor.set(resStart.subarray(0, nRes));
    for (let f = 0; f < nFlows; f++) {
      for (let i = flowStart[f]; i < flowStart[f + 1]; i++) {
        const k = cursor[flowRes[i]]++;
        resFlows[k] = f;
        resW[k] = w(i) / pen(f);
      }
    }

    heap.clear();
    for (let r = 0; r < nRes; r++) {
      rem[r] = p.capacity[r];
      if (fatpipe?.[r]) {
        // Largest weight / penalty first, so the level is read at the cursor.
        sortDesc(resFlows, resW, resStart[r], resStart[r + 1]);
        cursor[r] = resStart[r];
        usage[r] = resW[resStart[r]];
      } else {
        let u = 0;
        for (let k = resStart[r]; k < resStart[r + 1]; k++) u += resW[k];
        usage[r] = u;
      }
      if (unfixed[r] > 0) heap.push(rem[r] / usage[r], r);
    }
    fixed.fill(0, 0, nFlows);
    let nCapped = 0;
    for (let f = 0; f < nFlows; f++) if (cap[f] < Infinity) order[nCapped++] = f;
    const capped = order.subarray(0, nCapped).sort((a, b) => cap[a] * pen(a) - cap[b] * pen(b) || a - b);
    let ci = 0;
    let left = nFlows;

    const level = (r: number) => Math.max(0, rem[r]) / usage[r];
    const fix = (f: number, rate: number) => {
      rates[f] = rate;
      fixed[f] = 1;
      left--;
      const pf = pen(f);
      for (let i = flowStart[f]; i < flowStart[f + 1]; i++) {
        const r = flowRes[i];
        if (--unfixed[r] === 0) continue;
        if (fatpipe?.[r]) {
          let k = cursor[r];
          while (fixed[resFlows[k]]) k++;
          cursor[r] = k;
          if (usage[r] === resW[k]) continue;
          usage[r] = resW[k];
        } else {
          const wi = w(i);
          rem[r] -= wi * rate;
          // Plain max-min keeps integer usage counts, exact in floating point.
          usage[r] -= pf === 1 ? wi : wi / pf;
        }
        heap.push(level(r), r);
      }
    };

    while (left > 0) {
      // Drop stale heap entries: the resource's level has moved on, or it has no flows left.
      while (heap.size > 0) {
        const r = heap.topValue();
        if (unfixed[r] > 0 && heap.topKey() === level(r)) break;
        heap.pop();
      }
      while (ci < capped.length && fixed[capped[ci]]) ci++;
      const share = heap.size > 0 ? heap.topKey() : Infinity;
      if (ci < capped.length && cap[capped[ci]] * pen(capped[ci]) < share) {
        const f = capped[ci++];
        fix(f, cap[f]);
      } else if (heap.size > 0) {
        const r = heap.topValue();
        heap.pop();
        for (let k = resStart[r]; k < resStart[r + 1]; k++) {
          const f = resFlows[k];
          if (!fixed[f]) fix(f, penalty ? share / penalty[f] : share);
        }
      } else {
        // Flows that cross no resource and have no cap.
        for (let f = 0; f < nFlows; f++) if (!fixed[f]) fix(f, Infinity);
      }
    }
  }

  /** Grows by a quarter, not double: at a million flows the arrays hold ~80 MB. */
  private ensure(nRes: number, nFlows: number, nLinks: number): void {
    if (this.rem.length < nRes) {
      this.rem = new Float64Array(nRes * 2);
      this.usage = new Float64Array(nRes * 2);
      this.unfixed = new Int32Array(nRes * 2);
      this.resStart = new Int32Array(nRes * 2 + 1);
      this.cursor = new Int32Array(nRes * 2);
    }
    if (this.fixed.length < nFlows) {
      const n = grown(nFlows);
      this.fixed = new Uint8Array(n);
      this.order = new Int32Array(n);
    }
    if (this.resFlows.length < nLinks) {
      const n = grown(nLinks);
      this.resFlows = new Int32Array(n);
      this.resW = new Float64Array(n);
    }
  }
}

function grown(n: number): number {
  return n + (n >> 2) + 64;
}

/** Sorts the slice [from, to) of (ids, keys) by key, largest first, ties by id. */
function sortDesc(ids: Int32Array, keys: Float64Array, from: number, to: number): void {
  const idx = Array.from({ length: to - from }, (_, i) => from + i);
  idx.sort((a, b) => keys[b] - keys[a] || ids[a] - ids[b]);
  const i2 = idx.map((i) => ids[i]), k2 = idx.map((i) => keys[i]);
  for (let i = 0; i < idx.length; i++) {
    ids[from + i] = i2[i];
    keys[from + i] = k2[i];
  }
}
