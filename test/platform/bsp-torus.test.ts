import test from "ava";
import { readFileSync } from "node:fs";
import { patternPhases, torusShape, type BspApp } from "../../sim/workload/index.js";
import { BYTES, caseName, cases, hosts, pairs, scenarioPlatform } from "./simgrid/cases.js";
import { close, crossbar, world } from "./world-helpers.js";

/** SimGrid 3.32's completion time of every transfer of each case (simgrid/make-reference.ts). */
const reference: Record<string, number[]> = JSON.parse(readFileSync(new URL("./simgrid/reference.json", import.meta.url), "utf8"));

const edges = (list: [number, number][]) => list.map(([a, b]) => `${a},${b}`).sort();

test("the torus pattern sends to the distinct wrap-around neighbours of a rows x cols grid", (t) => {
  for (let n = 1; n <= 100; n++) {
    const [rows, cols] = torusShape(n);
    t.is(rows * cols, n);
    t.true(rows <= cols);
    // Independent oracle: unit distance on the torus (each coordinate modulo its size).
    const ring = (a: number, b: number, m: number) => Math.min((a - b + m) % m, (b - a + m) % m);
    const want: [number, number][] = [];
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        const dr = ring(Math.floor(a / cols), Math.floor(b / cols), rows), dc = ring(a % cols, b % cols, cols);
        if (dr + dc === 1) want.push([a, b]);
      }
    t.deepEqual(edges(patternPhases("torus", n).flat()), edges(want), `${n} ranks`);
  }
  // A 4 x 4 torus: every rank has exactly four neighbours, where a mesh's corners have two.
  const out = new Map<number, number>();
  for (const [a] of patternPhases("torus", 16)[0]) out.set(a, (out.get(a) ?? 0) + 1);
  t.true([...out.values()].every((d) => d === 4));
  t.is(patternPhases("mesh", 16)[0].filter(([a]) => a === 0).length, 2);
});

/** One superstep of a torus BSP with no compute is the set of transfers SimGrid timed. */
for (const c of cases().filter((c) => c.pattern === "torus")) {
  test(`BSP torus, ${caseName(c)}: every superstep lasts as long as SimGrid's last transfer`, (t) => {
    const names = hosts(c);
    t.deepEqual(edges(patternPhases("torus", c.ranks).flat()), edges(pairs(c)));
    const vms = names.map((h, i) => ({ id: `vm${i}`, host: h }));
    const app = { kind: "bsp", id: "app", vms: vms.map((v) => v.id), pattern: "torus", messageBytes: BYTES, computeOps: 0, supersteps: 3 };
    const { sim, models } = world({ platform: scenarioPlatform(c), vms, workloads: [app] });
    sim.run();
    const steps = (models[0] as BspApp).steps;
    const want = Math.max(...reference[caseName(c)]);
    t.is(steps.length, 3);
    for (const s of steps) t.true(close(s.end - s.start, want), `${s.end - s.start} against SimGrid's ${want}`);
  });
}

test("a 2-D torus superstep on a crossbar: each host link carries its four messages", (t) => {
  const n = 16;
  const { sim, models } = world({ ...crossbar(n), workloads: [{ kind: "bsp", id: "app", vms: Array.from({ length: n }, (_, i) => `vm${i}`), pattern: "torus", messageBytes: 1e6, computeOps: 1e9, supersteps: 2 }] });
  sim.run();
  for (const s of (models[0] as BspApp).steps) t.true(close(s.end - s.start, 1 + 2 * 50e-6 + (4 * 1e6) / 125e6), `${s.end - s.start}`);
});
