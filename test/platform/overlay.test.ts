import test from "ava";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { root } from "../helpers.js";
import { close, crossbar, world } from "./world-helpers.js";

const star = (extra: Record<string, unknown> = {}) => crossbar(4, 1e8, 1e-4, { overlay: { enabled: true, proxy: "h0", forwardLatency: 1e-3, ...extra } });

test("the first-generation star sends VM traffic through the Proxy", (t) => {
  const { world: w } = world(star());
  t.deepEqual(w.vnet.path(w.vm("vm1"), w.vm("vm2")).map((h) => h.id), ["h1", "h0", "h2"]);
  t.deepEqual(w.vnet.path(w.vm("vm0"), w.vm("vm3")).map((h) => h.id), ["h0", "h3"]);
  t.deepEqual(w.vnet.path(w.vm("vm2"), w.vm("vm2")).map((h) => h.id), ["h2"]);
});

test("forwarding rules and overlay links change the path at run time; stale rules fall back to the star", (t) => {
  const { world: w } = world(star());
  const [h1, h2, h3] = ["h1", "h2", "h3"].map((h) => w.host(h));
  // A rule over a link that does not exist is stale: the frame takes the star.
  w.vnet.setRule(h1, "vm1", "vm2", h2);
  t.deepEqual(w.vnet.path(w.vm("vm1"), w.vm("vm2")).map((h) => h.id), ["h1", "h0", "h2"]);
  t.is(w.vnet.staleRoutes, 1);
  w.vnet.addLink(h1, h2);
  t.deepEqual(w.vnet.path(w.vm("vm1"), w.vm("vm2")).map((h) => h.id), ["h1", "h2"]);
  w.vnet.addLink(h1, h3);
  w.vnet.addLink(h3, h2);
  w.vnet.setRule(h1, "vm1", "vm2", h3);
  w.vnet.setRule(h3, "vm1", "vm2", h1);
  // Rules that loop: the star instead.
  t.deepEqual(w.vnet.path(w.vm("vm1"), w.vm("vm2")).map((h) => h.id), ["h1", "h0", "h2"]);
  t.is(w.vnet.staleRoutes, 2);
  w.vnet.setRule(h3, "vm1", "vm2", h2);
  t.deepEqual(w.vnet.path(w.vm("vm1"), w.vm("vm2")).map((h) => h.id), ["h1", "h3", "h2"]);
  t.is(w.vnet.staleRoutes, 2);
});

/** Random overlay edits and migrations; after each, every pair's path is checked. */
const op = fc.oneof(
  fc.record({ kind: fc.constant("rule" as const), at: fc.nat(5), src: fc.nat(5), dst: fc.nat(5), next: fc.integer({ min: -1, max: 5 }) }),
  fc.record({ kind: fc.constant("link" as const), a: fc.nat(5), b: fc.nat(5), add: fc.boolean() }),
  fc.record({ kind: fc.constant("migrate" as const), vm: fc.nat(5), to: fc.nat(5) }),
);

test("any sequence of rules, links and migrations leaves every VM pair a loop-free route that follows valid rules", (t) => {
  let checked = 0, followed = 0;
  for (const mode of ["star", "direct"] as const) {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const { world: w } = world(crossbar(6, 1e8, 1e-4, { overlay: { enabled: true, proxy: "h0", mode } }));
        const h = (i: number) => w.host(`h${i}`);
        for (const o of ops) {
          if (o.kind === "rule") w.vnet.setRule(h(o.at), `vm${o.src}`, `vm${o.dst}`, o.next < 0 ? undefined : h(o.next));
          else if (o.kind === "link") o.a !== o.b && (o.add ? w.vnet.addLink(h(o.a), h(o.b)) : w.vnet.removeLink(h(o.a), h(o.b)));
          else if (w.vm(`vm${o.vm}`).host !== h(o.to)) w.vm(`vm${o.vm}`).moveTo(h(o.to));
          for (let a = 0; a < 6; a++) {
            for (let b = 0; b < 6; b++) {
              const src = w.vm(`vm${a}`), dst = w.vm(`vm${b}`);
              const stale = w.vnet.staleRoutes;
              const path = w.vnet.path(src, dst);
              checked++;
              if (path[0] !== src.host || path[path.length - 1] !== dst.host || new Set(path).size !== path.length) return false;
              if (w.vnet.staleRoutes === stale) {
                // No fallback: each hop is the daemon's rule (over a link, in star mode) or its default.
                followed++;
                for (let i = 0; i + 1 < path.length; i++) {
                  const d = w.vnet.daemon(path[i]), rule = d.rules.get(`vm${a}\tvm${b}`);
                  const dflt = mode === "direct" || path[i].id === "h0" ? dst.host : h(0);
                  if (rule ? rule !== path[i + 1] || (mode === "star" && !d.links.has(rule)) : path[i + 1] !== dflt) return false;
                }
              } else {
                // Fallback: the default route from the source.
                const want = mode === "direct" || src.host.id === "h0" || dst.host.id === "h0" ? [src.host, dst.host] : [src.host, h(0), dst.host];
                if (path.join() !== want.join()) return false;
              }
            }
          }
        }
        return true;
      }),
      { numRuns: 150, seed: 4 },
    );
  }
  t.true(followed > 0.5 * checked && followed < checked, `${followed} of ${checked} followed their rules`);
});

test("an overlay message pays each physical route, each daemon's latency, and the bytes once", (t) => {
  const { sim, world: w } = world(star());
  let end = NaN;
  w.send(w.vm("vm1"), w.vm("vm2"), 1e6, () => (end = sim.now));
  sim.run();
  // h1 -> h0 -> h2: two 2-link routes, three daemons.
  t.true(close(end, 4 * 1e-4 + 3 * 1e-3 + 1e6 / 1e8));
});

test("a daemon's throughput cap is shared by the flows it forwards: the Proxy is a bottleneck", (t) => {
  const { sim, world: w } = world(star({ daemonBandwidth: 1e6 }));
  const ends: number[] = [];
  w.send(w.vm("vm1"), w.vm("vm2"), 1e6, () => ends.push(sim.now));
  w.send(w.vm("vm3"), w.vm("vm2"), 1e6, () => ends.push(sim.now));
  sim.run();
  for (const e of ends) t.true(close(e, 4 * 1e-4 + 3 * 1e-3 + 2), `${e}`);
});

test("daemons count the bytes they forward per (src VM, dst VM)", (t) => {
  const { sim, world: w } = world(star());
  w.send(w.vm("vm1"), w.vm("vm2"), 1000);
  w.send(w.vm("vm1"), w.vm("vm2"), 500);
  w.send(w.vm("vm3"), w.vm("vm1"), 7);
  sim.run();
  t.is(w.vnet.daemon(w.host("h0")).counts.get("vm1\tvm2"), 1500);
  t.is(w.vnet.daemon(w.host("h1")).counts.get("vm1\tvm2"), 1500);
  t.is(w.vnet.daemon(w.host("h2")).counts.get("vm1\tvm2"), 1500);
  t.is(w.vnet.daemon(w.host("h2")).counts.get("vm3\tvm1"), undefined);
  t.is(w.vnet.daemon(w.host("h3")).counts.get("vm3\tvm1"), 7);
});

test("completed messages are offered to observers (Wren's input)", (t) => {
  const { sim, world: w } = world(star());
  const seen: number[] = [];
  w.vnet.observe((m) => seen.push(m.bytes));
  w.send(w.vm("vm1"), w.vm("vm2"), 123);
  sim.run();
  t.deepEqual(seen, [123]);
});

test("the VNET LAN calibration scenario reproduces the paper's three round-trip times", (t) => {
  const doc = JSON.parse(readFileSync(`${root}/scenarios/vnet-lan-latency.json`, "utf8"));
  delete doc.$schema;
  const { sim, models } = world(doc);
  sim.run({ until: 10 });
  const rtt = models.map((m) => m.metrics().mean_rtt_ms as number);
  for (const [got, paper] of rtt.map((r, i) => [r, [1.078, 1.742, 11.393][i]])) t.true(Math.abs(got - paper) / paper < 0.005, `${got} vs ${paper}`);
});
