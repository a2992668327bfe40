import test from "ava";
import { join } from "node:path";
import { probe } from "../../sim/live/index.js";
import { cli, tempDir } from "../helpers.js";
import { readTrace } from "../trace-reader.js";
import { cliUnlessTooLoaded } from "./loaded.js";

const why = probe("signals");
if (why) console.log(`live trace test skipped: ${why}`);

(why ? test.skip : test.serial)("a live run's trace has the simulated run's tracks: dispatches on the host's core, reservations per VM", (t) => {
  const dir = tempDir();
  // A failed run leaves no output, so the same folder serves a second try.
  const live = cliUnlessTooLoaded(t, () => cli("live", "scenarios/live-vsched.json", "--backend", "signals", "--set", "duration=2", "--out", join(dir, "live"), "--trace", join(dir, "live.json")));
  t.is(live.code, 0, live.stderr);
  t.is(cli("run", "scenarios/live-vsched.json", "--set", "duration=2", "--out", join(dir, "sim"), "-q", "--trace", join(dir, "sim.json")).code, 0);
  const l = readTrace(join(dir, "live.json")), s = readTrace(join(dir, "sim.json"));
  t.is(l.doc.otherData.source, "live (signals)");
  const tracks = (x: ReturnType<typeof readTrace>) => [...new Set([...x.slices.keys(), ...x.instants.keys()])].sort();
  t.deepEqual(tracks(l), tracks(s), "the same tracks, so the two open side by side");
  const core = l.slices.get("host h/core 0")!;
  t.true(core.length > 0);
  t.true(core.every((x) => ["p1", "p2", "p3"].includes(x.name) && x.t1 >= x.t0));
  for (let i = 1; i < core.length; i++) t.true(core[i].t0 >= core[i - 1].t1 - 1e-6, "one CPU: no overlap");
  for (const vm of ["p1", "p2", "p3"]) t.is(l.instants.get(`VMs/${vm}`)![0].args.verdict, "admitted");
});
