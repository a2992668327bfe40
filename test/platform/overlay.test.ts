import test from "ava";
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

test("forwarding rules and overlay links change the path at run time; loops are refused", (t) => {
  const { world: w } = world(star());
  const [h1, h2, h3] = ["h1", "h2", "h3"].map((h) => w.host(h));
  t.throws(() => {
    w.vnet.setRule(h1, "vm1", "vm2", h2);
    w.vnet.path(w.vm("vm1"), w.vm("vm2"));
  }, { message: /no overlay link/ });
  w.vnet.addLink(h1, h2);
  t.deepEqual(w.vnet.path(w.vm("vm1"), w.vm("vm2")).map((h) => h.id), ["h1", "h2"]);
  w.vnet.addLink(h1, h3);
  w.vnet.addLink(h3, h2);
  w.vnet.setRule(h1, "vm1", "vm2", h3);
  w.vnet.setRule(h3, "vm1", "vm2", h1);
  t.throws(() => w.vnet.path(w.vm("vm1"), w.vm("vm2")), { message: /forwarding loop/ });
  w.vnet.setRule(h3, "vm1", "vm2", h2);
  t.deepEqual(w.vnet.path(w.vm("vm1"), w.vm("vm2")).map((h) => h.id), ["h1", "h3", "h2"]);
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
