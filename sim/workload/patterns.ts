/**
 * BSP communication patterns: for n ranks, the messages of one superstep as phases. A rank
 * sends its phase-p messages once it has received every message addressed to it in earlier
 * phases, so reduce-then-broadcast trees and pipelines keep their dependencies.
 */
export const patternNames = ["all-to-all", "ring", "mesh", "tree", "broadcast", "pipeline", "n-body"] as const;
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
      const [rows, cols] = meshShape(n);
      const msgs: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        const r = Math.floor(i / cols), c = i % cols;
        if (r > 0) msgs.push([i, i - cols]);
        if (r < rows - 1) msgs.push([i, i + cols]);
        if (c > 0) msgs.push([i, i - 1]);
        if (c < cols - 1) msgs.push([i, i + 1]);
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

/** The most nearly square rows x cols grid with rows <= cols. */
export function meshShape(n: number): [number, number] {
  let rows = Math.floor(Math.sqrt(n));
  while (n % rows !== 0) rows--;
  return [rows, n / rows];
}

function range(n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, i) => i);
}
