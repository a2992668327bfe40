import test from "ava";
import { readFileSync } from "node:fs";
import { BYTES, caseName, cases, hosts, pairs, scenarioPlatform } from "./simgrid/cases.js";
import { world } from "./world-helpers.js";

/** SimGrid 3.32's completion times for each case (make-reference.ts made them). */
const reference: Record<string, number[]> = JSON.parse(readFileSync(new URL("./simgrid/reference.json", import.meta.url), "utf8"));

/** Agreement is ~1e-14 in practice; 1e-9 leaves room for summation order and is far inside 0.1%. */
const TOLERANCE = 1e-9;

for (const c of cases()) {
  test(`${caseName(c)}: every transfer ends when SimGrid's does`, (t) => {
    const { sim, world: w } = world({ platform: scenarioPlatform(c) });
    const names = hosts(c);
    const list = pairs(c);
    const ends = list.map(() => NaN);
    list.forEach(([s, d], i) => w.net.start(w.host(names[s]).node, w.host(names[d]).node, BYTES, { onDone: () => (ends[i] = sim.now) }));
    sim.run();
    const want = reference[caseName(c)];
    t.is(want.length, list.length);
    let worst = 0;
    ends.forEach((e, i) => (worst = Math.max(worst, Math.abs(e - want[i]) / want[i])));
    t.true(worst <= TOLERANCE, `largest relative difference ${worst}`);
  });
}
