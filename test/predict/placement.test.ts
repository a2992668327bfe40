/**
 * Online batch placement: the fair-sharing simulation against processor sharing worked by
 * hand, and the advisor's policy against least-loaded-now, round robin and random on
 * self-similar host loads that differ in mean.
 */
import test from "ava";
import fc from "fast-check";
import { Rng } from "../../sim/kernel/index.js";
import { Ensemble, ar, bestMean, last, overallMean, placeOnline, selfSimilarLoad, type Job } from "../../sim/predict/index.js";

test("one host, constant load L: a lone job takes work x (1 + L); two equal jobs started together each take twice as long plus L's share", (t) => {
  const load = [new Float64Array(1000).fill(0.5)];
  const [a] = placeOnline({ load, interval: 1, jobs: [{ id: "a", arrival: 3.25, work: 10 }], policy: "round-robin" });
  t.true(Math.abs(a.finish - (3.25 + 15)) < 1e-9, `${a.finish}`);
  const two = placeOnline({ load, interval: 1, jobs: [{ id: "a", arrival: 0, work: 10 }, { id: "b", arrival: 0, work: 10 }], policy: "round-robin" });
  // Round robin over one host: both there, each at 1 / 2.5.
  for (const j of two) t.true(Math.abs(j.finish - 25) < 1e-9, `${j.finish}`);
});

test("work is conserved: on an idle host, the CPU is never idle while jobs wait, so the last finish is the busy period's end (property)", (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 0.1, max: 20, noNaN: true })), { minLength: 1, maxLength: 12 }), (spec) => {
      const jobs: Job[] = spec.map(([arrival, work], i) => ({ id: `j${i}`, arrival, work }));
      const done = placeOnline({ load: [new Float64Array(400)], interval: 1, jobs, policy: "round-robin" });
      // Brute force: a single server, always busy while work is left (FIFO gives the same busy periods).
      let end = 0;
      for (const j of [...jobs].sort((a, b) => a.arrival - b.arrival)) end = Math.max(end, j.arrival) + j.work;
      const last = Math.max(...done.map((j) => j.finish));
      return done.length === jobs.length && Math.abs(last - end) < 1e-6 && done.every((j) => j.finish - j.arrival >= j.work - 1e-9);
    }),
    { numRuns: 100 },
  );
  t.pass();
});

function setup(seed: number) {
  const hosts = 4;
  const load = Array.from({ length: hosts }, (_, h) => Float64Array.from(selfSimilarLoad(new Rng(`pl.load.${h}`, seed), { hurst: 0.8, mean: 0.5 + h / 2, sd: 0.6, interval: 1, samples: 2500 }), (r) => r[1]));
  const rng = new Rng("pl.jobs", seed);
  const jobs: Job[] = [];
  for (let t = 300; t < 2000; t += -Math.log(1 - rng.random()) * 8) jobs.push({ id: `j${jobs.length}`, arrival: t, work: 2 * Math.pow(30, rng.random()) });
  return { load, jobs };
}

const slowdown = (xs: { arrival: number; finish: number; work: number }[]) => xs.reduce((a, j) => a + (j.finish - j.arrival) / j.work, 0) / xs.length;

for (const seed of [1, 2]) {
  test(`seed ${seed}: placing on the advisor's forecasts beats round robin and random, and is no worse than least-loaded-now by more than 3%`, (t) => {
    const { load, jobs } = setup(seed);
    const s = { window: 300, refit: 5, horizon: 30 };
    const nws = () => new Ensemble([last(s), overallMean(s), bestMean(16, s), ar(16, "yule-walker", s)], 300, 1, 30);
    const run = (policy: "rta" | "least-loaded" | "round-robin" | "random") => placeOnline({ load, interval: 1, jobs, policy, predictor: nws, rng: new Rng("pl.random", seed) });
    const r = { rta: run("rta"), ll: run("least-loaded"), rr: run("round-robin"), rnd: run("random") };
    for (const x of Object.values(r)) t.is(x.length, jobs.length);
    const sd = { rta: slowdown(r.rta), ll: slowdown(r.ll), rr: slowdown(r.rr), rnd: slowdown(r.rnd) };
    t.log(sd);
    t.true(sd.rta < sd.rr && sd.rta < sd.rnd);
    t.true(sd.rta <= 1.03 * sd.ll);
  });
}
