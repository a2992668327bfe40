/**
 * A population of simulated people on the real platform model (VSched host, interactive VM
 * beside two batch VMs), against a brute-force reference: the same VM at fixed reserved
 * shares with no person in the loop.
 */
import test from "ava";
import { runExperiment } from "../../sim/experiments/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../helpers.js";
import { csvRecords } from "../../analysis/csv-read.js";

const doc = JSON.parse(readFileSync(join(root, "scenarios", "user.json"), "utf8"));
doc.experiment.people = 20;
const r = runExperiment(parseScenario(doc));
const files = (() => {
  const out = r.stage("/nonexistent");
  return out;
})();

function table(name: string): Record<string, string>[] {
  const text = files.files.get(name);
  if (typeof text !== "string") throw new Error(`no ${name}`);
  return csvRecords(text);
}

function spearman(xs: number[], ys: number[]): number {
  const rank = (v: number[]) => {
    const idx = v.map((x, i) => [x, i]).sort((a, b) => a[0] - b[0]);
    const out = new Array<number>(v.length);
    idx.forEach(([, i], k) => (out[i] = k));
    return out;
  };
  const a = rank(xs), b = rank(ys);
  const n = xs.length;
  return 1 - (6 * a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0)) / (n * (n * n - 1));
}

const people = table("user_population.csv").map((x) => ({ control: x.control, comfort: Number(x.comfort_ms), presses: Number(x.presses), given: Number(x.given_away), comfortable: Number(x.comfortable) }));
const fixed = table("user_fixed.csv").map((x) => ({ share: Number(x.share), ms: Number(x.mean_response_ms) }));

test("people with the button stay comfortable, and those who tolerate more give away more", (t) => {
  const b = people.filter((p) => p.control === "button");
  t.is(b.length, 20);
  for (const p of b) {
    t.true(p.comfortable >= 0.9, `only ${p.comfortable} of responses within ${p.comfort} ms`);
    t.true(p.presses >= 2, "everyone finds the limit at least twice in 600 s");
  }
  t.true(spearman(b.map((p) => p.comfort), b.map((p) => p.given)) > 0.7);
});

test("the button never takes more than the reference allows: what a person gives away stays below the most a fixed reservation could", (t) => {
  for (const p of people.filter((x) => x.control === "button")) {
    const least = Math.min(...fixed.filter((f) => f.ms <= p.comfort).map((f) => f.share));
    // The sawtooth resets to the full core on every press, so it gives away less on average.
    t.true(p.given <= 1 - least + 0.05, `${p.given} given away at ${p.comfort} ms; fixed reservations allow ${1 - least}`);
    t.true(p.given > 0.3);
  }
});

test("people with the joystick settle where the mean response time meets their threshold (bracketed by fixed reservations)", (t) => {
  for (const p of people.filter((x) => x.control === "joystick")) {
    const share = 1 - p.given;
    // Fixed shares on both sides of the person's threshold: the mean response crosses it between them.
    const slow = Math.max(...fixed.filter((f) => f.ms > p.comfort).map((f) => f.share), 0);
    const fast = Math.min(...fixed.filter((f) => f.ms <= p.comfort).map((f) => f.share));
    t.true(share >= slow - 0.03 && share <= fast + 0.03, `settled at ${share}, bracket [${slow}, ${fast}] for ${p.comfort} ms`);
  }
});
