/**
 * BSP communication patterns: for n ranks, the messages of one superstep as phases. A rank
 * sends its phase-p messages once it has received every message addressed to it in earlier
 * phases, so reduce-then-broadcast trees and pipelines keep their dependencies.
 */
export const patternNames = ["all-to-all", "ring", "mesh", "torus", "tree", "broadcast", "pipeline", "n-body"] as const;
export type Pattern = (typeof patternNames)[number];

/** phases[p] = list of [src, dst] rank pairs. */
export type Phases = [number, number][][];

export function patternPhases(pattern: Pattern, n: number): Phases {
  switch (pattern) {
    case "all-to-all": {
      const msgs: [number, number][] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) msgs.push([i, j]);
      return [msgs];
    }
    case "ring":
      return n < 2 ? [] : [Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as [number, number])];
    case "mesh": {
      // Row-major; with a prime n the last row is partial, so a rank's neighbour may not exist.
      const [, cols] = meshShape(n);
      const msgs: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        const c = i % cols;
        if (i - cols >= 0) msgs.push([i, i - cols]);
        if (i + cols < n) msgs.push([i, i + cols]);
        if (c > 0) msgs.push([i, i - 1]);
        if (c < cols - 1 && i + 1 < n) msgs.push([i, i + 1]);
      }
      return [msgs];
    }
    case "torus": {
      // The Patterns benchmark's (and SimGrid's) mesh: a grid whose rows and columns wrap, each
      // rank sending to its up to four distinct neighbours.
      const [rows, cols] = torusShape(n);
      const msgs: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        const r = Math.floor(i / cols), c = i % cols;
        const to = [((r + rows - 1) % rows) * cols + c, ((r + 1) % rows) * cols + c, r * cols + ((c + cols - 1) % cols), r * cols + ((c + 1) % cols)];
        for (const j of new Set(to)) if (j !== i) msgs.push([i, j]);
      }
      return [msgs];
    }
    case "tree": {
      const depth = (i: number) => Math.floor(Math.log2(i + 1));
      const maxDepth = n > 1 ? depth(n - 1) : 0;
      const phases: Phases = [];
      for (let d = maxDepth; d >= 1; d--) phases.push(range(n).filter((i) => depth(i) === d).map((i) => [i, (i - 1) >> 1]));
      for (let d = 1; d <= maxDepth; d++) phases.push(range(n).filter((i) => depth(i) === d).map((i) => [(i - 1) >> 1, i]));
      return phases;
    }
    case "broadcast":
      return n < 2 ? [] : [range(n).slice(1).map((i) => [0, i])];
    case "pipeline":
      return range(n - 1).map((i) => [[i, i + 1]]);
    case "n-body":
      return n < 2 ? [] : range(n - 1).map(() => range(n).map((i) => [i, (i + 1) % n] as [number, number]));
  }
}

/**
 * The mesh layout as [rows, cols]: the most nearly square exact rows x cols grid with
 * 2 <= rows <= cols. A prime n >= 5 has none, and a 1 x n line would be a path (a tree), so
 * it gets ceil(sqrt(n)) columns filled row by row, the last row partial (7 ranks: 3 + 3 + 1).
 * Below 4 ranks there is no grid: a line of 2 or 3.
 */
export function meshShape(n: number): [number, number] {
  let rows = Math.floor(Math.sqrt(n));
  while (n % rows !== 0) rows--;
  if (rows > 1 || n < 5) return [rows, n / rows];
  const cols = Math.ceil(Math.sqrt(n));
  return [Math.ceil(n / cols), cols];
}

/**
 * The torus layout as [rows, cols]: the most nearly square exact factorisation, rows <= cols.
 * Every position is filled so every row and column wraps; a prime n is a 1 x n ring.
 */
export function torusShape(n: number): [number, number] {
  let rows = Math.max(1, Math.floor(Math.sqrt(n)));
  while (n % rows !== 0) rows--;
  return [rows, n / rows];
}

function range(n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, i) => i);
}
