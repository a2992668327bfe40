import test from "ava";
import { summarize } from "../../analysis/index.js";
import { Simulation } from "../../sim/kernel/index.js";
import { installMm1 } from "../../sim/workload/index.js";

function sojourn(seed: number, lambda: number, mu: number, servers = 1): number {
  const sim = new Simulation(seed);
  const m = installMm1(sim, { kind: "mm1", id: "q", arrivalRate: lambda, serviceRate: mu, servers, warmup: 200 });
  sim.run({ until: 20_000 });
  return m.metrics().mean_sojourn_s as number;
}

test("M/M/1 mean sojourn matches 1/(mu - lambda) within the 99% interval over replications", (t) => {
  const reps = Array.from({ length: 10 }, (_, i) => sojourn(100 + i, 0.5, 1));
  const s = summarize(reps, 0.99);
  t.true(s.lo <= 2 && 2 <= s.hi, `mean ${s.mean} +- ${s.halfWidth}`);
});

test("M/M/1 utilization tends to rho", (t) => {
  const sim = new Simulation(5);
  const m = installMm1(sim, { kind: "mm1", id: "q", arrivalRate: 0.3, serviceRate: 1, servers: 1, warmup: 0 });
  sim.run({ until: 50_000 });
  t.true(Math.abs((m.metrics().utilization as number) - 0.3) < 0.01);
});

test("M/M/2 mean sojourn matches Erlang C", (t) => {
  // Erlang C for c=2, rho=0.5 per server: W = 1/mu + C/(c mu - lambda) with C = 1/3.
  const reps = Array.from({ length: 10 }, (_, i) => sojourn(200 + i, 1, 1, 2));
  const s = summarize(reps, 0.99);
  const analytic = 1 + (1 / 3) / (2 - 1);
  t.true(s.lo <= analytic && analytic <= s.hi, `mean ${s.mean} +- ${s.halfWidth}, analytic ${analytic}`);
});
