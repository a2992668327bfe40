import test from "ava";
import { SimCpuControl, SimNetControl, SimTrafficTap } from "../../sim/platform/index.js";
import { close, crossbar, world } from "./world-helpers.js";

const doc = () => ({
  ...crossbar(3, 1e8, 1e-4, { overlay: { enabled: true, proxy: "h0" } }),
  workloads: [{ kind: "bsp", id: "app", vms: ["vm1", "vm2"], pattern: "ring", messageBytes: 1000, computeOps: 1e8, supersteps: 5 }],
});

test("CpuControl reports usage and application progress, and says why a fair host cannot reserve", (t) => {
  const { sim, world: w } = world(doc());
  const cpu = new SimCpuControl(w);
  t.is(cpu.progress("app"), 0);
  sim.run();
  t.is(cpu.progress("app"), 5);
  t.true(close(cpu.usage("vm1"), 0.5));
  t.is(cpu.progress("nothing"), undefined);
  t.deepEqual(cpu.reserve("vm1", { period: 0.1, slice: 0.01 }), { admitted: false, reason: "host h1 has no real-time scheduler (scheduler: fair)" });
});

test("TrafficTap reads the rows of each host's own VMs once; forwarding daemons report none", (t) => {
  const { sim, world: w } = world(doc());
  const tap = new SimTrafficTap(w);
  const seen: string[] = [];
  tap.observe((o) => seen.push(`${o.srcVm}>${o.dstVm}@${o.srcHost}`));
  sim.run();
  t.deepEqual(tap.read("h1"), [{ src: "vm1", dst: "vm2", bytes: 5000 }]);
  t.deepEqual(tap.read("h2"), [{ src: "vm2", dst: "vm1", bytes: 5000 }]);
  t.deepEqual(tap.read("h0"), []);
  t.deepEqual(tap.read("h1"), []);
  t.is(seen.length, 10);
});

test("NetControl and Placement change the overlay and move VMs", (t) => {
  const { sim, world: w } = world(doc());
  const net = new SimNetControl(w);
  net.addOverlayLink("h1", "h2");
  net.setRule("h1", "vm1", "vm2", "h2");
  t.deepEqual(w.vnet.path(w.vm("vm1"), w.vm("vm2")).map((h) => h.id), ["h1", "h2"]);
  let to = "";
  net.migrate("vm1", "h0", (n) => (to = n.to));
  sim.run();
  t.is(to, "h0");
  t.is(net.where("vm1"), "h0");
});
