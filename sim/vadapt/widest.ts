/**
 * Widest paths: the path whose narrowest link is widest. Dijkstra with max-min in place of
 * plus for unlimited hops; a hop-limited variant by dynamic programming over hop counts.
 */
import { MinHeap } from "../platform/network/minheap.js";

/** Widest path from `src` to `dst` in a complete graph with capacities `width[a * n + b]`. */
export function widestPath(n: number, width: (a: number, b: number) => number, src: number, dst: number): { path: number[]; width: number } {
  if (src === dst) return { path: [src], width: Infinity };
  const best = new Float64Array(n).fill(-Infinity);
  const prev = new Int32Array(n).fill(-1);
  const done = new Uint8Array(n);
  const heap = new MinHeap();
  best[src] = Infinity;
  heap.push(-Infinity, src);
  while (heap.size > 0) {
    const u = heap.topValue();
    heap.pop();
    if (done[u]) continue;
    done[u] = 1;
    if (u === dst) break;
    for (let v = 0; v < n; v++) {
      if (v === u || done[v]) continue;
      const w = Math.min(best[u], width(u, v));
      if (w > best[v]) {
        best[v] = w;
        prev[v] = u;
        heap.push(-w, v);
      }
    }
  }
  if (best[dst] === -Infinity) return { path: [], width: -Infinity };
  const path = [dst];
  while (path[path.length - 1] !== src) path.push(prev[path[path.length - 1]]);
  return { path: path.reverse(), width: best[dst] };
}

/** Widest path of at most `maxHops` links (ties: fewer hops, then lower host numbers). */
export function widestPathHops(n: number, width: (a: number, b: number) => number, src: number, dst: number, maxHops: number): { path: number[]; width: number } {
  if (src === dst) return { path: [src], width: Infinity };
  // best[k][v]: widest path of exactly <= k links from src to v.
  let best = new Float64Array(n).fill(-Infinity);
  best[src] = Infinity;
  const prevs: Int32Array[] = [];
  let answer = { path: [] as number[], width: -Infinity };
  for (let k = 1; k <= maxHops; k++) {
    const next = new Float64Array(n).fill(-Infinity);
    const prev = new Int32Array(n).fill(-1);
    for (let u = 0; u < n; u++) {
      if (best[u] === -Infinity || (u === dst && k > 1)) continue;
      for (let v = 0; v < n; v++) {
        if (v === u || v === src) continue;
        const w = Math.min(best[u], width(u, v));
        if (w > next[v]) {
          next[v] = w;
          prev[v] = u;
        }
      }
    }
    prevs.push(prev);
    if (next[dst] > answer.width) {
      const path = [dst];
      for (let j = k - 1; j >= 0; j--) path.push(prevs[j][path[path.length - 1]]);
      path.reverse();
      if (new Set(path).size === path.length) answer = { path, width: next[dst] };
    }
    best = next;
  }
  return answer;
}
