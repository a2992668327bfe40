import test from "ava";
import { crossbar, world } from "./world-helpers.js";

test("cached routes stay the same objects, and correct, once the cache turns into a pair table", (t) => {
  const n = 12;
  const { world: w } = world(crossbar(n, 1e8, 1e-3));
  const node = (i: number) => w.host(`h${i}`).node;
  const first = new Map<string, ReturnType<typeof w.router.route>>();
  // Every ordered pair: the cache passes a quarter of all pairs part way through.
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) first.set(`${i} ${j}`, w.router.route(node(i), node(j)));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const r = w.router.route(node(i), node(j));
      t.true(r === first.get(`${i} ${j}`), `${i} -> ${j}: a new route object`);
      // Up the source's link, down the destination's: two hops of 1 ms through the switch.
      t.deepEqual([r.nodes[0], r.nodes[2]], [node(i), node(j)]);
      t.is(r.resources.length, 2);
      t.true(Math.abs(r.latency - 2e-3) < 1e-15);
    }
  }
});

test("a static route set after the cache is a pair table replaces the cached one", (t) => {
  const n = 6;
  const { world: w } = world(crossbar(n, 1e8, 1e-3));
  const node = (i: number) => w.host(`h${i}`).node;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) w.router.route(node(i), node(j));
  const sw = w.router.route(node(0), node(1)).nodes[1];
  // The same path, set explicitly: a fresh route object with the same links.
  const before = w.router.route(node(0), node(1));
  w.router.setStatic(node(0), node(1), [sw]);
  const after = w.router.route(node(0), node(1));
  t.not(after, before);
  t.deepEqual([...after.resources], [...before.resources]);
});
