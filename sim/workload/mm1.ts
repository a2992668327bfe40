/**
 * M/M/c queue as generator processes: Poisson arrivals, exponential service, FIFO servers.
 * A kernel end-to-end check with a closed form: for c = 1, mean sojourn = 1 / (mu - lambda).
 */
import { Resource, type Simulation } from "../kernel/index.js";
import type { Model } from "./model.js";
import type { Mm1Spec } from "./schema.js";

export function installMm1(sim: Simulation, spec: Mm1Spec): Model {
  const servers = new Resource(sim, spec.servers);
  const arrivals = sim.rng(`${spec.id}.arrivals`);
  const service = sim.rng(`${spec.id}.service`);
  const customers = sim.trace.table(`${spec.id}.customers`, { id: "i32", arrive: "f64", start: "f64", depart: "f64" });
  const occupancy = sim.trace.table(`${spec.id}.occupancy`, { t: "f64", in_system: "i32" });
  let inSystem = 0, served = 0, sumWait = 0, sumSojourn = 0, busyArea = 0, lastT = 0;

  const account = () => {
    busyArea += servers.busy * (sim.now - lastT);
    lastT = sim.now;
  };

  function* customer(id: number) {
    const arrive = sim.now;
    account();
    inSystem++;
    occupancy.row(sim.now, inSystem);
    yield servers.request();
    const start = sim.now;
    account();
    yield sim.timeout(service.exponential(spec.serviceRate));
    account();
    servers.release();
    inSystem--;
    occupancy.row(sim.now, inSystem);
    customers.row(id, arrive, start, sim.now);
    if (arrive >= spec.warmup) {
      served++;
      sumWait += start - arrive;
      sumSojourn += sim.now - arrive;
    }
  }

  sim.process(
    (function* () {
      for (let id = 0; ; id++) {
        yield sim.timeout(arrivals.exponential(spec.arrivalRate));
        sim.process(customer(id), `${spec.id}.customer`);
      }
    })(),
    `${spec.id}.source`,
  );

  const rho = spec.arrivalRate / (spec.servers * spec.serviceRate);
  return {
    metrics() {
      account();
      const m: Record<string, number> = {
        served,
        mean_wait_s: sumWait / served,
        mean_sojourn_s: sumSojourn / served,
        utilization: busyArea / (sim.now * spec.servers),
        offered_load: rho,
      };
      if (spec.servers === 1 && rho < 1) m.analytic_sojourn_s = 1 / (spec.serviceRate - spec.arrivalRate);
      return m;
    },
  };
}
