import test from "ava";
import { RandomStreams, Simulation } from "../../sim/kernel/index.js";

const draw = (s: { random(): number }, n: number) => Array.from({ length: n }, () => s.random());

test("a stream's numbers depend only on (seed, name): adding streams does not shift them", (t) => {
  const a = new RandomStreams(7);
  const plain = draw(a.get("vttif.noise"), 50);
  const b = new RandomStreams(7);
  draw(b.get("other"), 100);
  b.get("yet.another");
  const withOthers = draw(b.get("vttif.noise"), 50);
  t.deepEqual(withOthers, plain);
});

test("different seeds and different names give different numbers", (t) => {
  const x = draw(new RandomStreams(1).get("s"), 10);
  t.notDeepEqual(draw(new RandomStreams(2).get("s"), 10), x);
  t.notDeepEqual(draw(new RandomStreams(1).get("t"), 10), x);
});

test("exponential draws have the requested mean (within 4 standard errors)", (t) => {
  const r = new Simulation(3).rng("exp");
  const n = 200_000, rate = 2.5;
  let s = 0;
  for (let i = 0; i < n; i++) s += r.exponential(rate);
  const mean = s / n, se = 1 / rate / Math.sqrt(n);
  t.true(Math.abs(mean - 1 / rate) < 4 * se, `mean ${mean}`);
});

test("normal draws have the requested mean and standard deviation", (t) => {
  const r = new Simulation(3).rng("norm");
  const n = 200_000;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = r.normal(10, 2);
    s += x;
    s2 += x * x;
  }
  const mean = s / n, sd = Math.sqrt(s2 / n - mean * mean);
  t.true(Math.abs(mean - 10) < 4 * (2 / Math.sqrt(n)));
  t.true(Math.abs(sd - 2) < 0.02);
});
