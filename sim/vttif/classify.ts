/**
 * Application topology from the pruned traffic graph. The tests are graph properties, so a
 * permutation of ranks over VMs does not change the answer. Direction convention (see
 * scenarios/README.md): a shape is recognised when all its edges go both ways, and for ring,
 * star, tree and pipeline also when they all go one way (around the cycle; out of or into the
 * hub; away from or toward the root; along the path); mixed directions are `unknown`. A mesh
 * needs both directions, so a one-way 4-cycle is a ring and a symmetric one a mesh.
 */
export const topologyNames = ["all-to-all", "ring", "mesh", "tree", "star", "pipeline", "unknown"] as const;
export type Topology = (typeof topologyNames)[number];

/** Directed edges over vertices 0..n-1, as arrays of pairs or as accessors (no copying). */
export type EdgeSource = readonly (readonly [number, number])[] | { length: number; src(i: number): number; dst(i: number): number };

/** Classifies a directed graph over vertices 0..n-1 (only the VMs that communicate). */
export function classify(n: number, edges: EdgeSource): Topology {
  if (n < 2 || edges.length === 0) return "unknown";
  const srcOf = "src" in edges ? edges.src : (i: number) => edges[i][0];
  const dstOf = "src" in edges ? edges.dst : (i: number) => edges[i][1];
  // Dense graphs first, without building adjacency sets: count distinct directed pairs.
  const seen = new Uint8Array(n * n);
  let distinct = 0;
  for (let i = 0; i < edges.length; i++) {
    const a = srcOf(i), b = dstOf(i);
    if (a !== b && !seen[a * n + b]) {
      seen[a * n + b] = 1;
      distinct++;
    }
  }
  if (distinct === n * (n - 1)) return "all-to-all";
  // Every sparse pattern has at most 2n undirected edges (a mesh has 2rc - r - c).
  if (distinct > 4 * n) return "unknown";
  const out = Array.from({ length: n }, () => new Set<number>());
  const inn = Array.from({ length: n }, () => new Set<number>());
  for (let i = 0; i < edges.length; i++) {
    const a = srcOf(i), b = dstOf(i);
    if (a === b) continue;
    out[a].add(b);
    inn[b].add(a);
  }
  const und = out.map((s, i) => new Set([...s, ...inn[i]]));
  const undEdges = und.reduce((m, s) => m + s.size, 0) / 2;
  const directed = out.reduce((m, s) => m + s.size, 0);
  const symmetric = directed === 2 * undEdges;
  const deg = und.map((s) => s.size);
  if (!connected(und)) return "unknown";

  if (symmetric && isGrid(n, und, undEdges)) return "mesh";
  if (undEdges === n && n >= 3 && deg.every((d) => d === 2)) {
    const oneWay = out.every((s) => s.size === 1) && inn.every((s) => s.size === 1);
    if (oneWay || symmetric) return "ring";
  }
  if (undEdges === n - 1) {
    const hub = deg.findIndex((d) => d === n - 1);
    if (hub >= 0 && n >= 3) {
      const fromHub = out[hub].size === n - 1 && directed === n - 1;
      const toHub = inn[hub].size === n - 1 && directed === n - 1;
      if (fromHub || toHub || symmetric) return n === 3 && symmetric ? "tree" : "star";
    }
    if (!symmetric && directed === n - 1 && isDirectedPath(n, out, inn)) return "pipeline";
    if (symmetric) return "tree";
    // One-way trees: every edge away from one root (broadcast) or toward it (reduce).
    if (directed === n - 1 && (inn.filter((s) => s.size === 0).length === 1 || out.filter((s) => s.size === 0).length === 1)) return "tree";
  }
  return "unknown";
}

function connected(und: Set<number>[]): boolean {
  const seen = new Uint8Array(und.length);
  const stack = [0];
  seen[0] = 1;
  let count = 1;
  while (stack.length) {
    for (const v of und[stack.pop()!]) {
      if (!seen[v]) {
        seen[v] = 1;
        count++;
        stack.push(v);
      }
    }
  }
  return count === und.length;
}

function isDirectedPath(n: number, out: Set<number>[], inn: Set<number>[]): boolean {
  const heads = [...Array(n).keys()].filter((i) => inn[i].size === 0);
  if (heads.length !== 1) return false;
  let v = heads[0], steps = 0;
  while (out[v].size === 1 && steps < n) {
    v = [...out[v]][0];
    steps++;
  }
  return steps === n - 1 && out[v].size === 0;
}

/**
 * Whether the undirected graph is a grid: an r x c grid (r, c >= 2), or the layout BSP gives
 * a prime number of ranks, c = ceil(sqrt(n)) columns filled row by row with a partial last
 * row (`full` complete rows, then `last` < c vertices under the first columns), when that
 * has a cycle. In these shapes graph distance is Manhattan distance, so BFS from the corner
 * (0, 0) gives i + j and from (0, c - 1) gives i + (c - 1 - j); the two give every vertex's
 * coordinates, which must be a bijection onto the shape whose edges are exactly the grid's.
 */
function isGrid(n: number, und: Set<number>[], edges: number): boolean {
  // Candidates for (0, 0) and (0, c - 1): a grid has at most five vertices of degree <= 2.
  const corners = [...und.keys()].filter((v) => und[v].size <= 2);
  if (corners.length < 3 || corners.length > 5) return false;
  const ragged = Math.ceil(Math.sqrt(n));
  let d0s: Int32Array[] | undefined;
  for (let cols = 2; cols <= n - 2; cols++) {
    const full = Math.floor(n / cols), last = n % cols;
    if (last > 0 ? cols !== ragged || (full === 1 && last < 2) : full < 2) continue;
    const want = 2 * full * cols - full - cols + (last > 0 ? 2 * last - 1 : 0);
    if (edges !== want) continue;
    d0s ??= corners.map((c) => bfs(und, c));
    for (let x = 0; x < corners.length; x++) {
      for (let y = 0; y < corners.length; y++) {
        if (x !== y && d0s[x][corners[y]] === cols - 1 && fits(und, full, last, cols, d0s[x], d0s[y])) return true;
      }
    }
  }
  return false;
}

function fits(und: Set<number>[], full: number, last: number, cols: number, d0: Int32Array, d1: Int32Array): boolean {
  const rows = full + (last > 0 ? 1 : 0);
  const at = new Int32Array(rows * cols).fill(-1);
  const coord = (v: number) => {
    const i2 = d0[v] + d1[v] - (cols - 1), j2 = d0[v] - d1[v] + (cols - 1);
    return i2 % 2 === 0 && j2 % 2 === 0 ? [i2 / 2, j2 / 2] : [-1, -1];
  };
  for (let v = 0; v < und.length; v++) {
    const [i, j] = coord(v);
    if (i < 0 || i >= rows || j < 0 || j >= cols || (i === full && j >= last) || at[i * cols + j] >= 0) return false;
    at[i * cols + j] = v;
  }
  for (let v = 0; v < und.length; v++) {
    const [i, j] = coord(v);
    for (const w of und[v]) {
      const [a, b] = coord(w);
      if (Math.abs(a - i) + Math.abs(b - j) !== 1) return false;
    }
  }
  return true;
}

function bfs(und: Set<number>[], from: number): Int32Array {
  const d = new Int32Array(und.length).fill(-1);
  d[from] = 0;
  const queue = [from];
  for (let k = 0; k < queue.length; k++) {
    const v = queue[k];
    for (const w of und[v]) {
      if (d[w] < 0) {
        d[w] = d[v] + 1;
        queue.push(w);
      }
    }
  }
  return d;
}
