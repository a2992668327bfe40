/**
 * For valid scenarios with one field corrupted at random, the tool either refuses the
 * scenario up front (a ScenarioError: exit 2) or accepts it and the run succeeds. It never
 * accepts a scenario and then fails while running (exit 1).
 */
import test from "ava";
import fc from "fast-check";
import { experimentProblems, runExperiment } from "../../sim/experiments/index.js";
import { outputProblems, runScenario } from "../../sim/runner/index.js";
import { parseScenario, ScenarioError } from "../../sim/scenario/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../helpers.js";
import { experiment, explicit, rt, wan } from "./bad-corpus.js";

type Path = (string | number)[];

/** Every path in a document: object fields, array items, and the containers themselves. */
function paths(x: unknown, at: Path = []): Path[] {
  const out: Path[] = at.length ? [at] : [];
  if (Array.isArray(x)) x.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (typeof x === "object" && x !== null) for (const [k, v] of Object.entries(x)) out.push(...paths(v, [...at, k]));
  return out;
}

function corrupt(doc: any, path: Path, value: unknown, mode: "set" | "scale" | "delete" | "duplicate"): any {
  const d = structuredClone(doc);
  let node = d;
  for (const k of path.slice(0, -1)) node = node[k];
  const last = path[path.length - 1];
  if (mode === "delete") Array.isArray(node) ? node.splice(Number(last), 1) : delete node[last];
  else if (mode === "duplicate" && Array.isArray(node)) node.push(structuredClone(node[Number(last)]));
  else if (mode === "scale") node[last] = typeof node[last] === "number" && typeof value === "number" ? node[last] * Math.abs(value) : value;
  else node[last] = value;
  return d;
}

const names = ["a0", "b1", "proxy", "v0", "v3", "h1", "h3", "r", "n0", "f", "x", "y", "u", "w", "app", "bsp", "q", "p", "ring", "mesh", "tree"];
const values = fc.oneof(
  fc.constantFrom(-1, 0, 1e-9, 1e-3, 0.5, 1, 2, 3, 7, 64, 1e3, 1e6, 1e12, -0.5, 2 ** 53),
  fc.double({ min: -10, max: 1e4, noNaN: true }),
  fc.constantFrom(...names),
  fc.constantFrom("", "x", true, false, null, [], {}, ["v0", "v0"], [0], { kind: "constant", level: 1 }),
);

/** Committed scenarios too, shortened, so every model and policy is in reach of a corruption. */
const committed = (name: string, duration: number) => {
  const d = JSON.parse(readFileSync(join(root, "scenarios", name), "utf8"));
  d.duration = duration;
  delete d.sweep;
  return d;
};
const bases = [wan(), rt(), explicit(), experiment(), committed("demo.json", 20), committed("vreserve.json", 40), committed("control-targets.json", 8), committed("mm1.json", 200), committed("vnet-lan-latency.json", 5)];

test("one corrupted field: refused up front, or accepted and the run succeeds", (t) => {
  let refused = 0, ran = 0;
  fc.assert(
    fc.property(fc.nat(bases.length - 1), fc.nat(), values, fc.constantFrom("set", "set", "scale", "scale", "delete", "duplicate"), (b, pick, value, mode) => {
      const base = bases[b];
      const all = paths(base);
      const path = all[pick % all.length];
      const doc = corrupt(base, path, value, mode as "set");
      let s;
      try {
        s = parseScenario(doc, { baseDir: join(root, "scenarios"), maxEvents: 3e6 });
        const problems = [...outputProblems(s, { baseDir: join(root, "scenarios") }), ...experimentProblems(s)];
        if (problems.length) throw new ScenarioError(problems);
      } catch (err) {
        if (err instanceof ScenarioError) {
          refused++;
          return true;
        }
        throw new Error(`${path.join(".")} ${mode} ${JSON.stringify(value)}: validation threw ${(err as Error).stack}`);
      }
      try {
        if (s.experiment) runExperiment(s);
        else runScenario(s, { baseDir: join(root, "scenarios") });
        ran++;
      } catch (err) {
        throw new Error(`${path.join(".")} ${mode} ${JSON.stringify(value)} was accepted, then the run failed: ${(err as Error).stack}`);
      }
      return true;
    }),
    { numRuns: 3000, seed: Number(process.env.CORRUPT_SEED ?? 20261125), includeErrorInReport: true },
  );
  t.log(`${refused} refused, ${ran} ran`);
  t.true(refused > 100 && ran > 50, `${refused} refused, ${ran} ran`);
});
