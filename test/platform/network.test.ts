import test from "ava";
import fc from "fast-check";
import { close, crossbar, world } from "./world-helpers.js";

test("one flow takes route latency + bytes / bandwidth", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e9 }), fc.double({ min: 1e3, max: 1e10, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true }), (bytes, bw, lat) => {
      const { sim, world: w } = world(crossbar(2, bw, lat));
      let end = NaN;
      w.net.start(w.host("h0").node, w.host("h1").node, bytes, { onDone: () => (end = sim.now) });
      sim.run();
      return close(end, 2 * lat + bytes / bw, 1e-9);
    }),
    { numRuns: 50 },
  );
  t.pass();
});

test("n equal flows on one link share it: all end at latency + n * bytes / bandwidth", (t) => {
  for (const n of [1, 3, 10]) {
    const { sim, world: w } = world(crossbar(2, 1e8, 1e-3));
    const ends: number[] = [];
    for (let i = 0; i < n; i++) w.net.start(w.host("h0").node, w.host("h1").node, 1e6, { onDone: () => ends.push(sim.now) });
    sim.run();
    t.is(ends.length, n);
    for (const e of ends) t.true(close(e, 2e-3 + (n * 1e6) / 1e8), `${n}: ${e}`);
  }
});

test("a late flow slows the early one: rates are re-shared when flows start and end", (t) => {
  const { sim, world: w } = world(crossbar(2, 100, 0));
  const [a, b] = [w.host("h0").node, w.host("h1").node];
  let endA = NaN, endB = NaN;
  w.net.start(a, b, 100, { onDone: () => (endA = sim.now) });
  sim.schedule(0.5, () => w.net.start(a, b, 100, { onDone: () => (endB = sim.now) }));
  sim.run();
  // A sends 50 alone, then 50 at half rate (1 s); B then has 50 left alone (0.5 s).
  t.true(close(endA, 1.5));
  t.true(close(endB, 2));
});

test("a TCP window caps a flow at window / RTT", (t) => {
  const { sim, world: w } = world({ ...crossbar(2, 1e9, 0.01), platform: { ...crossbar(2, 1e9, 0.01).platform, network: { topology: { kind: "switch", bandwidth: 1e9, latency: 0.01 }, tcpWindow: 65536 } } });
  let end = NaN;
  w.net.start(w.host("h0").node, w.host("h1").node, 1e6, { onDone: () => (end = sim.now) });
  sim.run();
  t.true(close(end, 0.02 + 1e6 / (65536 / 0.04)));
});

test("fat-tree routes: 2 hops within an edge switch, 4 within a pod, 6 across pods", (t) => {
  const { world: w } = world({ platform: { hosts: [{ id: "h", count: 16 }], network: { topology: { kind: "fat-tree", k: 4, bandwidth: 1e9, latency: 1e-6 }, routing: "hops" } } });
  const hops = (a: number, b: number) => w.router.route(w.host(`h${a}`).node, w.host(`h${b}`).node).resources.length;
  t.is(hops(0, 1), 2);
  t.is(hops(0, 2), 4);
  t.is(hops(0, 15), 6);
});

test("ECMP spreads a fat-tree's cross-pod routes over its core switches", (t) => {
  const { world: w } = world({ platform: { hosts: [{ id: "h", count: 128 }], network: { topology: { kind: "fat-tree", k: 8, bandwidth: 1e9, latency: 1e-6 } } } });
  const cores = new Set<number>();
  for (let i = 0; i < 16; i++) {
    const r = w.router.route(w.host(`h${i}`).node, w.host(`h${127 - i}`).node);
    for (const n of r.nodes) if (w.topo.nodes[n].startsWith("core")) cores.add(n);
  }
  t.true(cores.size >= 4, `${cores.size} cores used`);
});

test("static routes override shortest paths", (t) => {
  const { world: w } = world({
    platform: {
      hosts: [{ id: "a" }, { id: "b" }],
      network: {
        topology: {
          kind: "explicit",
          nodes: [{ id: "r1", kind: "router" }, { id: "r2", kind: "router" }],
          links: [
            { a: "a", b: "r1", bandwidth: 1e9, latency: 0.001 },
            { a: "r1", b: "b", bandwidth: 1e9, latency: 0.001 },
            { a: "a", b: "r2", bandwidth: 1e9, latency: 0.01 },
            { a: "r2", b: "b", bandwidth: 1e9, latency: 0.01 },
          ],
        },
        routes: [{ from: "a", to: "b", via: ["r2"] }],
      },
    },
  });
  t.true(close(w.router.route(w.topo.node("a"), w.topo.node("b")).latency, 0.02));
  t.true(close(w.router.route(w.topo.node("b"), w.topo.node("a")).latency, 0.002));
});

test("two sites: traffic between them crosses the WAN link, and is limited by it", (t) => {
  const { sim, world: w } = world({
    platform: {
      hosts: [{ id: "a", count: 2 }, { id: "b", count: 2 }],
      network: { topology: { kind: "two-sites", siteA: ["a0", "a1"], lan: { bandwidth: 1e8, latency: 1e-4 }, wan: { bandwidth: 1e6, latency: 0.02 } } },
    },
  });
  let end = NaN;
  w.net.start(w.host("a0").node, w.host("b1").node, 1e6, { onDone: () => (end = sim.now) });
  sim.run();
  t.true(close(end, 0.0202 + 1));
});

test("random topologies are connected and depend only on the seed", (t) => {
  const spec = (seed: number) => ({
    seed,
    platform: { hosts: [{ id: "h", count: 12 }], network: { topology: { kind: "random", routers: 8, router: { bandwidth: 1e9, latency: 0.001 }, access: { bandwidth: 1e8, latency: 1e-4 } } } },
  });
  const a = world(spec(3)).world, b = world(spec(3)).world;
  t.deepEqual(a.topo.links.map((l) => [l.a, l.b]), b.topo.links.map((l) => [l.a, l.b]));
  for (let i = 1; i < 12; i++) t.true(a.router.route(a.host("h0").node, a.host(`h${i}`).node).resources.length > 0);
});

test("only the connected component a change touches is re-solved, once per instant", (t) => {
  const { sim, world: w } = world(crossbar(6, 100, 0));
  const n = (i: number) => w.host(`h${i}`).node;
  w.net.start(n(0), n(1), 1000);
  w.net.start(n(2), n(3), 1000);
  sim.run({ until: 1 });
  t.is(w.net.reshares, 1, "two simultaneous starts batch into one re-share");
  const before = w.net.resolved;
  // Shares h0's uplink with the first flow only; the second is in another component.
  w.net.start(n(0), n(4), 1000);
  sim.run({ until: 2 });
  t.is(w.net.resolved - before, 2);
});
