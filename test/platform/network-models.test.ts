import test from "ava";
import { close, crossbar, world } from "./world-helpers.js";

/** Hosts a and b reach c through switch s; s -> c is the bottleneck. */
function vee(la: number, lb: number, network: Record<string, unknown>, bottleneck: Record<string, unknown> = {}) {
  return {
    platform: {
      hosts: [{ id: "a" }, { id: "b" }, { id: "c" }],
      network: {
        topology: {
          kind: "explicit",
          nodes: [{ id: "s", kind: "switch" }],
          links: [
            { a: "a", b: "s", bandwidth: 1e10, latency: la },
            { a: "b", b: "s", bandwidth: 1e10, latency: lb },
            { a: "s", b: "c", bandwidth: 1e8, latency: 0, ...bottleneck },
          ],
        },
        ...network,
      },
    },
  };
}

function ends(doc: Record<string, unknown>, pairs: [string, string][], bytes: number): number[] {
  const { sim, world: w } = world(doc);
  const out = pairs.map(() => NaN);
  pairs.forEach(([s, d], i) => w.net.start(w.host(s).node, w.host(d).node, bytes, { onDone: () => (out[i] = sim.now) }));
  sim.run();
  return out;
}

/**
 * Two flows from time 0 on one bottleneck of capacity C, active from La < Lb, sharing it in
 * the ratio wa : wb while both are active (by hand: A alone, then both, then B alone).
 */
function twoFlows(C: number, X: number, La: number, Lb: number, wa: number, wb: number): [number, number] {
  const aloneA = Math.min(X, C * (Lb - La));
  if (aloneA >= X) return [La + X / C, Lb + X / C];
  const ra = (C * wa) / (wa + wb), rb = C - ra;
  const tA = (X - aloneA) / ra, tB = X / rb;
  if (tA <= tB) return [Lb + tA, Lb + tA + (X - rb * tA) / C];
  return [Lb + tB + (X - aloneA - ra * tB) / C, Lb + tB];
}

test("cm02: a bottleneck is shared in inverse proportion to route latency; maxmin shares it equally", (t) => {
  const La = 1e-3, Lb = 3e-3, X = 1e6;
  const cm02 = ends(vee(La, Lb, { model: "cm02", crossTraffic: 0, tcpWindow: 0 }), [["a", "c"], ["b", "c"]], X);
  const [ea, eb] = twoFlows(1e8, X, La, Lb, 1 / La, 1 / Lb);
  t.true(close(cm02[0], ea, 1e-12) && close(cm02[1], eb, 1e-12), `${cm02} vs ${[ea, eb]}`);
  const maxmin = ends(vee(La, Lb, {}), [["a", "c"], ["b", "c"]], X);
  const [ma, mb] = twoFlows(1e8, X, La, Lb, 1, 1);
  t.true(close(maxmin[0], ma, 1e-12) && close(maxmin[1], mb, 1e-12));
  t.true(cm02[0] < maxmin[0], "the short route finishes sooner under cm02");
});

test("lv08: one flow waits 13.01 x latency, then sends at 0.97 x bandwidth, or 0.97 x window / RTT", (t) => {
  for (const [bw, lat] of [[1e8, 5e-5], [1e8, 0.025], [1.25e6, 0.01]]) {
    const [end] = ends(crossbar(2, bw, lat, { network: { topology: { kind: "switch", bandwidth: bw, latency: lat }, model: "lv08" } }), [["h0", "h1"]], 1e7);
    const L = 2 * lat;
    const share = Math.min(bw, 4194304 / (2 * L));
    t.true(close(end, 13.01 * L + 1e7 / (0.97 * share), 1e-12), `${bw} ${lat}: ${end}`);
  }
});

test("lv08 penalty: latency plus S / bandwidth for every link crossed", (t) => {
  const { world: w } = world(vee(1e-3, 2e-3, { model: "lv08" }));
  const f = w.net.start(w.host("a").node, w.host("c").node, 1);
  t.true(close(f.penalty, 1e-3 + 20537 / 1e10 + 20537 / 1e8, 1e-14));
  t.is(f.latency, 1e-3);
});

test("cross traffic: opposite flows on a full-duplex path each get C / 1.05; on a half-duplex link C / 2.1", (t) => {
  const X = 1e6, C = 1e8, lat = 1e-4;
  const full = ends(crossbar(2, C, lat, { network: { topology: { kind: "switch", bandwidth: C, latency: lat }, model: "cm02", tcpWindow: 0 } }), [["h0", "h1"], ["h1", "h0"]], X);
  for (const e of full) t.true(close(e, 2 * lat + (X * 1.05) / C, 1e-12), `${e}`);
  const half = {
    platform: {
      hosts: [{ id: "a" }, { id: "b" }],
      network: { topology: { kind: "explicit", links: [{ a: "a", b: "b", bandwidth: C, latency: lat, duplex: false }] }, model: "cm02", tcpWindow: 0 },
    },
  };
  for (const e of ends(half, [["a", "b"], ["b", "a"]], X)) t.true(close(e, lat + (X * 2.1) / C, 1e-12), `${e}`);
  // Switched off, they do not see each other.
  const off = ends(crossbar(2, C, lat, { network: { topology: { kind: "switch", bandwidth: C, latency: lat }, model: "cm02", tcpWindow: 0, crossTraffic: 0 } }), [["h0", "h1"], ["h1", "h0"]], X);
  for (const e of off) t.true(close(e, 2 * lat + X / C, 1e-12));
});

test("a fat-pipe link gives every flow its whole bandwidth", (t) => {
  const X = 1e6;
  for (const e of ends(vee(1e-3, 1e-3, {}, { fatpipe: true }), [["a", "c"], ["b", "c"]], X)) t.true(close(e, 1e-3 + X / 1e8, 1e-12), `${e}`);
  for (const e of ends(vee(1e-3, 1e-3, {}), [["a", "c"], ["b", "c"]], X)) t.true(close(e, 1e-3 + (2 * X) / 1e8, 1e-12));
});

test("inelastic flows share an oversubscribed link fairly among themselves, elastic ones get the rest", (t) => {
  const { sim, world: w } = world(crossbar(3, 100, 0));
  const [h0, h1, h2] = [0, 1, 2].map((i) => w.host(`h${i}`).node);
  const a = w.net.start(h0, h2, Infinity, { cap: 80, inelastic: true });
  const b = w.net.start(h1, h2, Infinity, { cap: 80, inelastic: true });
  const c = w.net.start(h1, h2, Infinity, { cap: 30, inelastic: true });
  const e = w.net.start(h0, h2, Infinity);
  sim.run({ until: 1 });
  // Into h2: 100 shared max-min by caps 80, 80, 30 -> 35, 35, 30; nothing left for the elastic flow.
  t.deepEqual([a.rate, b.rate, c.rate, e.rate], [35, 35, 30, 0]);
  w.net.stop(a);
  w.net.stop(b);
  sim.run({ until: 2 });
  t.deepEqual([c.rate, e.rate], [30, 70]);
});

test("torus: wrap-around links shorten routes; without them it is a grid", (t) => {
  const hops = (wrap: boolean, dims: number[], a: number, b: number) => {
    const { world: w } = world({ platform: { hosts: [{ id: "h", count: dims.reduce((x, y) => x * y) }], network: { topology: { kind: "torus", dims, wrap, bandwidth: 1e9, latency: 1e-6 } } } });
    return w.router.route(w.host(`h${a}`).node, w.host(`h${b}`).node).resources.length - 2;
  };
  // 4 x 4: h0 at (0,0), h3 at (3,0), h15 at (3,3), h5 at (1,1).
  t.is(hops(true, [4, 4], 0, 3), 1);
  t.is(hops(false, [4, 4], 0, 3), 3);
  t.is(hops(true, [4, 4], 0, 15), 2);
  t.is(hops(false, [4, 4], 0, 15), 6);
  t.is(hops(true, [4, 4], 0, 5), 2);
  // 3 x 3 x 3: corner to opposite corner is one wrap step per dimension.
  t.is(hops(true, [3, 3, 3], 0, 26), 3);
  t.is(hops(false, [3, 3, 3], 0, 26), 6);
  // Brute force over a 5 x 4 torus: hops = sum over dimensions of the shorter way round.
  for (let a = 0; a < 20; a++) {
    for (let b = 0; b < 20; b++) {
      if (a === b) continue;
      const ring = (x: number, y: number, d: number) => Math.min(Math.abs(x - y), d - Math.abs(x - y));
      t.is(hops(true, [5, 4], a, b), ring(a % 5, b % 5, 5) + ring(Math.floor(a / 5), Math.floor(b / 5), 4));
    }
  }
});

test("a torus refuses more hosts than points, and maxmin refuses weightS", (t) => {
  t.throws(() => world({ platform: { hosts: [{ id: "h", count: 5 }], network: { topology: { kind: "torus", dims: [2, 2], bandwidth: 1, latency: 0 } } } }), { message: /2 x 2 torus holds 4 hosts/ });
  t.throws(() => world(crossbar(2, 1e8, 1e-4, { network: { topology: { kind: "switch", bandwidth: 1e8, latency: 1e-4 }, weightS: 100 } })), { message: /platform\.network\.weightS: only used by the cm02 and lv08 models/ });
});
