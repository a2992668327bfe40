/** A host's self-similar external load: drawn from its own stream, with the mean and spread asked for, and checked by size. */
import test from "ava";
import { Rng, fgn } from "../../sim/kernel/index.js";
import { loadProfile } from "../../sim/platform/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import { cli, tempDir, writeJson } from "../helpers.js";

const spec = { kind: "selfsimilar" as const, hurst: 0.8, mean: 1, sd: 0.2, interval: 2 };

test("the profile is fGn from the given stream, scaled, clipped at 0, one change every interval", (t) => {
  const rows = loadProfile(spec, ".", { rng: () => new Rng("h.load", 4), until: 100 });
  const z = fgn(new Rng("h.load", 4), 51, 0.8);
  t.is(rows.length, 51);
  rows.forEach(([at, level], i) => {
    t.is(at, i * 2);
    t.is(level, Math.max(0, 1 + 0.2 * z[i]));
  });
});

test("a run's hosts draw their loads from their own streams: same seed same load, other hosts other loads", (t) => {
  const doc = (seed: number) => parseScenario({ name: "ss", seed, duration: 50, platform: { hosts: [{ id: "a", externalLoad: spec }, { id: "b", externalLoad: spec }] } });
  const levels = (seed: number) => {
    const r = runScenario(doc(seed));
    return r.world.externalLoads.map((l) => l.level);
  };
  t.deepEqual(levels(1), levels(1));
  const [a, b] = levels(1);
  t.not(a, b);
  t.notDeepEqual(levels(1), levels(2));
});

test("a self-similar load that would draw too many samples is refused by path", (t) => {
  const dir = tempDir();
  const r = cli("validate", writeJson(dir, "s.json", { name: "ss", duration: 100000, platform: { hosts: [{ id: "a", externalLoad: { ...spec, interval: 1 } }] } }));
  t.is(r.code, 2);
  t.regex(r.stderr, /^platform\.hosts\.0\.externalLoad\.interval: 1 s over a 100000 s run draws more than 20000 samples/m);
});
