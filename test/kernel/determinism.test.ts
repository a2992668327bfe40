/**
 * Determinism by construction: outside sim/live/, nothing in sim/ reads wall time or an
 * unseeded random source, and randomness comes only from the kernel's named streams. Scans
 * the source, so a new call anywhere fails here before it can make two runs differ.
 */
import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { root } from "../helpers.js";

const sim = join(root, "sim");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Source text without comments, so a comment that names a forbidden call is not a hit. */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

const rel = (file: string) => relative(root, file).split("\\").join("/");
const files = sources(sim).map((f) => ({ file: rel(f), text: code(f) }));
const outsideLive = files.filter((f) => !f.file.startsWith("sim/live/"));

const wallTime: [string, RegExp][] = [
  ["Date.now", /\bDate\s*\.\s*now\b/],
  ["new Date", /\bnew\s+Date\b/],
  ["Date()", /(^|[^.\w])(?<!\bnew\s+)Date\s*\(/m],
  ["performance.now", /\bperformance\s*\.\s*now\b/],
  ["perf_hooks", /["'](node:)?perf_hooks["']/],
  ["process.hrtime", /\bprocess\s*\.\s*hrtime\b/],
  ["process.uptime", /\bprocess\s*\.\s*uptime\b/],
  ["Math.random", /\bMath\s*\.\s*random\b/],
  ["crypto randomness", /\b(randomBytes|randomUUID|randomInt|getRandomValues)\b/],
];

/**
 * Modules outside sim/live/ that may import it (and so reach its wall clock). Each must keep
 * wall time out of what a run computes:
 * - sim/cli.ts times a run for the `wall_s` it passes to `stage()` as an extra summary field
 *   (the runner itself never reads a clock; the determinism check drops wall_s) and for its
 *   progress message on stderr.
 * - sim/bench/ measures wall time: that is what a benchmark is for; nothing in a run uses it.
 * - sim/index.ts, the package entry, re-exports `runLive` and computes nothing itself.
 */
const mayImportLive = (file: string) => file === "sim/cli.ts" || file.startsWith("sim/bench/") || file === "sim/index.ts";

test("the scan sees the simulator: it finds the kernel and every model folder", (t) => {
  for (const f of ["sim/kernel/simulation.ts", "sim/kernel/rng.ts", "sim/workload/bsp.ts", "sim/runner/run.ts", "sim/live/wall.ts"]) t.true(files.some((x) => x.file === f), f);
  // And it would see a call: the live clock itself reads process.hrtime.
  t.true(wallTime.some(([, re]) => files.filter((f) => f.file.startsWith("sim/live/")).some((f) => re.test(f.text))));
});

test("nothing in sim/ outside sim/live/ reads wall time or Math.random", (t) => {
  const hits = outsideLive.flatMap((f) => wallTime.filter(([, re]) => re.test(f.text)).map(([what]) => `${f.file}: ${what}`));
  t.deepEqual(hits, []);
});

test("only the CLI, the benchmarks and the package entry import sim/live/ from outside it", (t) => {
  const importers = new Set<string>();
  for (const f of outsideLive) {
    for (const m of f.text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)) {
      if (!m[1].startsWith(".")) continue;
      const target = rel(resolve(root, dirname(f.file), m[1]));
      if (target === "sim/live" || target.startsWith("sim/live/")) importers.add(f.file);
    }
  }
  t.true(importers.has("sim/cli.ts"), "the scan finds the CLI's import of the live clock");
  t.deepEqual([...importers].filter((f) => !mayImportLive(f)), []);
});

test("random numbers come only from the kernel's named streams: outside sim/live/, seedrandom is imported by sim/kernel/rng.ts alone", (t) => {
  const users = outsideLive.filter((f) => /["']seedrandom["']/.test(f.text)).map((f) => f.file);
  t.deepEqual(users, ["sim/kernel/rng.ts"]);
});
