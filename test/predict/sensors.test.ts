/** The simulator's sensors against a host whose demand is known: external load plus a CPU-bound VM. */
import test from "ava";
import { SimAvailabilitySensor, SimLoadSensor } from "../../sim/platform/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { parseScenario } from "../../sim/scenario/index.js";

test("load counts external load and runnable VMs in cores; availability is the VM's fair share", (t) => {
  const s = parseScenario({
    name: "sensors",
    duration: 5,
    platform: { hosts: [{ id: "h", speed: 1e9, externalLoad: { kind: "constant", level: 1.5 } }, { id: "idle", speed: 1e9 }] },
    vms: [{ id: "v", host: "h" }],
    workloads: [{ kind: "batch", id: "b", vm: "v" }],
  });
  const r = runScenario(s);
  const load = new SimLoadSensor(r.world), avail = new SimAvailabilitySensor(r.world);
  t.deepEqual([...load.hosts()], ["h", "idle"]);
  t.true(Math.abs(load.load("h") - 2.5) < 1e-9, `${load.load("h")}`);
  t.is(load.load("idle"), 0);
  // Max-min fair share of one core between two entities that each want more than half: half.
  t.true(Math.abs(avail.availability("v") - 0.5) < 1e-9, `${avail.availability("v")}`);
});
