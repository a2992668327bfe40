import test from "ava";
import fc from "fast-check";
import { Simulation } from "../../sim/kernel/index.js";
import { installMm1 } from "../../sim/workload/index.js";

const metrics = (lambda: number, mu: number, servers: number, until = 1) => {
  const sim = new Simulation(1);
  const m = installMm1(sim, { kind: "mm1", id: "q", arrivalRate: lambda, serviceRate: mu, servers, warmup: 0 });
  sim.run({ until });
  return m.metrics();
};

test("analytic_sojourn_s is 1 / (mu - lambda) for a stable M/M/1, and absent otherwise", (t) => {
  fc.assert(
    fc.property(fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (mu, rho) => {
      const lambda = rho * mu;
      const m = metrics(lambda, mu, 1);
      return Math.abs((m.analytic_sojourn_s as number) * (mu - lambda) - 1) < 1e-12 && Math.abs((m.offered_load as number) - rho) < 1e-12;
    }),
    { numRuns: 100 },
  );
  t.false("analytic_sojourn_s" in metrics(2, 1, 1), "unstable");
  t.false("analytic_sojourn_s" in metrics(1, 1, 2), "two servers");
});

test("the simulated mean sojourn at high load is near the reported analytic value, not 1/mu", (t) => {
  // rho = 0.8: 1/(mu - lambda) = 5 s against 1/mu = 1 s.
  const m = metrics(0.8, 1, 1, 200_000);
  t.true(Math.abs((m.analytic_sojourn_s as number) - 5) < 1e-12);
  t.true(Math.abs((m.mean_sojourn_s as number) - 5) < 0.5, `${m.mean_sojourn_s}`);
});
