/**
 * Network promises no other test holds to: half-duplex links, the rate between VMs on one
 * host, and the TCP window over the overlay, where the round trip includes every daemon.
 */
import test from "ava";
import fc from "fast-check";
import { close, crossbar, world } from "./world-helpers.js";

function pair(duplex: boolean, B: number, L: number) {
  return world({
    platform: {
      hosts: [{ id: "a" }, { id: "b" }],
      network: { topology: { kind: "explicit", links: [{ a: "a", b: "b", bandwidth: B, latency: L, duplex }] } },
    },
  });
}

test("a half-duplex link is one capacity shared by both directions; a full-duplex one is two", (t) => {
  fc.assert(
    fc.property(fc.double({ min: 1e3, max: 1e10, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true }), fc.integer({ min: 1, max: 1e9 }), (B, L, S) => {
      const ends = (duplex: boolean, both: boolean) => {
        const { sim, world: w } = pair(duplex, B, L);
        const [a, b] = [w.host("a").node, w.host("b").node];
        const out: number[] = [];
        w.net.start(a, b, S, { onDone: () => out.push(sim.now) });
        if (both) w.net.start(b, a, S, { onDone: () => out.push(sim.now) });
        sim.run();
        return out;
      };
      const half = ends(false, true), full = ends(true, true), alone = ends(false, false);
      return (
        half.length === 2 && half.every((e) => close(e, L + (2 * S) / B, 1e-9)) &&
        full.length === 2 && full.every((e) => close(e, L + S / B, 1e-9)) &&
        close(alone[0], L + S / B, 1e-9)
      );
    }),
    { numRuns: 50 },
  );
  t.deepEqual(pair(false, 1, 0).world.topo.resourceNames, ["a-b"]);
  t.deepEqual(pair(true, 1, 0).world.topo.resourceNames, ["a>b", "b>a"]);
});

test("a transfer between two VMs on one host runs at localBandwidth, after both virtual NICs", (t) => {
  fc.assert(
    fc.property(fc.double({ min: 1e6, max: 1e11, noNaN: true }), fc.integer({ min: 1, max: 1e10 }), fc.double({ min: 0, max: 1e-3, noNaN: true }), fc.boolean(), (local, S, vnic, overlay) => {
      const { sim, world: w } = world({
        platform: {
          hosts: [{ id: "h", vnicLatency: vnic }, { id: "p" }],
          network: { topology: { kind: "switch", bandwidth: 1e3, latency: 1 }, localBandwidth: local },
          overlay: { enabled: overlay, proxy: "p", forwardLatency: 2e-4 },
        },
        vms: [{ id: "x", host: "h" }, { id: "y", host: "h" }],
      });
      let end = NaN;
      w.send(w.vm("x"), w.vm("y"), S, () => (end = sim.now));
      sim.run();
      // Through the overlay the frame crosses its host's daemon once, and never the Proxy.
      return close(end, 2 * vnic + (overlay ? 2e-4 : 0) + S / local, 1e-9);
    }),
    { numRuns: 50 },
  );
  t.pass();
});

test("localBandwidth still caps a transfer on one host when the daemon's own cap is higher", (t) => {
  const { sim, world: w } = world({
    platform: {
      hosts: [{ id: "h" }, { id: "p" }],
      network: { topology: { kind: "switch", bandwidth: 1e9, latency: 1e-4 }, localBandwidth: 1e8 },
      overlay: { enabled: true, proxy: "p", daemonBandwidth: 1e12 },
    },
    vms: [{ id: "x", host: "h" }, { id: "y", host: "h" }],
  });
  let end = NaN;
  w.send(w.vm("x"), w.vm("y"), 1e8, () => (end = sim.now));
  sim.run();
  t.true(close(end, 1), `${end}`);
});

test("over the overlay the TCP window caps a message at window / RTT, the RTT counting every hop and daemon", (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1024, max: 1 << 24 }),
      fc.double({ min: 1e-6, max: 0.05, noNaN: true }),
      fc.double({ min: 0, max: 0.01, noNaN: true }),
      fc.double({ min: 0, max: 0.01, noNaN: true }),
      fc.integer({ min: 1e4, max: 1e9 }),
      (W, L, F, ssl, S) => {
        const B = 1e9;
        const doc = crossbar(4, B, L, { overlay: { enabled: true, proxy: "h0", forwardLatency: F, ssl: { latency: ssl }, links: [{ a: "h1", b: "h0", ssl: true }] } });
        (doc.platform as Record<string, unknown>).network = { topology: { kind: "switch", bandwidth: B, latency: L }, tcpWindow: W };
        const { sim, world: w } = world(doc);
        let end = NaN, rate = NaN;
        const msg = w.send(w.vm("vm1"), w.vm("vm2"), S, () => (end = sim.now));
        // h1 -> h0 -> h2: two switch routes, three daemons, one encrypted overlay link.
        const oneWay = 4 * L + 3 * F + 2 * ssl;
        const want = Math.min(B, W / (2 * oneWay));
        sim.run({ until: oneWay + 1e-12 });
        rate = msg.flow.rate;
        sim.run();
        return rate <= W / (2 * oneWay) * (1 + 1e-12) && close(rate, want, 1e-9) && close(end, oneWay + S / want, 1e-9);
      },
    ),
    { numRuns: 60 },
  );
  t.pass();
});
