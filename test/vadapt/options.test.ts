/**
 * The adaptation loop's `minGain` and `prior`, through its documented decision log
 * (`adapt.decisions`: t, current, proposed, gain, cost, applied, ...). Only what the scenario
 * format promises is checked, not how the loop reaches its proposal.
 */
import test from "ava";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import { csvRecords, root } from "../helpers.js";

function decisions(sets: string[]) {
  const s = loadScenario(`${root}/scenarios/vadapt-wan.json`, { sets: ["policies.adapt.enabled=true", "duration=60", ...sets] });
  const r = runScenario({ ...s, experiment: undefined });
  return csvRecords(r.stage("/nonexistent").files.get("adapt.decisions.csv")!).map((d) => ({
    t: Number(d.t),
    current: Number(d.current),
    gain: Number(d.gain),
    cost: Number(d.cost),
    applied: d.applied === "1" || d.applied === "true",
    migrations: Number(d.migrations),
  }));
}

test("minGain: a decision is applied only when its gain beats minGain x |current objective| plus the migration cost", (t) => {
  // The first decision, with no threshold: it moves VMs for a large gain.
  const [free] = decisions(["policies.adapt.minGain=0"]);
  t.true(free.applied && free.migrations > 0 && free.gain > 0 && free.current !== 0);
  // Price migration so that what is left of the gain is half the current objective.
  const moved = free.migrations * 64e6;
  const perGB = (free.gain - 0.5 * Math.abs(free.current)) / (moved / 1e9);
  t.true(perGB > 0);
  for (const [minGain, applied] of [[0.4, true], [0.6, false]] as const) {
    const log = decisions([`policies.adapt.minGain=${minGain}`, `policies.adapt.migrationCostPerGB=${perGB}`]);
    const first = log[0];
    t.is(first.t, free.t);
    t.true(Math.abs(first.gain - free.gain) <= 1e-9 * Math.abs(free.gain), "the same proposal");
    t.true(Math.abs(first.cost - (free.gain - 0.5 * Math.abs(free.current))) <= 1e-6 * free.gain, `cost ${first.cost}`);
    t.is(first.applied, applied, `minGain ${minGain}`);
    for (const d of log) if (d.applied) t.true(d.gain > minGain * Math.abs(d.current) + d.cost, `applied at ${d.t} below the threshold`);
  }
});

test("prior: unmeasured host pairs take the physical path from the network map, or the given values", (t) => {
  // On one switch every host pair's physical path is 125 MB/s and two 50 us links.
  const sw = 'platform.network.topology={"kind":"switch","bandwidth":125000000,"latency":0.00005}';
  const physical = decisions([sw, "policies.adapt.prior=physical"]);
  const same = decisions([sw, 'policies.adapt.prior={"bandwidth":125000000,"latency":0.0001}']);
  const slower = decisions([sw, 'policies.adapt.prior={"bandwidth":12500000,"latency":0.0001}']);
  t.true(physical.length > 0);
  t.deepEqual(same, physical);
  t.not(slower[0].current, physical[0].current);
  // Over two sites the map differs per pair, so LAN values everywhere are not the same prior.
  const wan = decisions([]);
  const lanEverywhere = decisions(['policies.adapt.prior={"bandwidth":125000000,"latency":0.0001}']);
  t.not(lanEverywhere[0].current, wan[0].current);
});
