/**
 * Transactional web: closed-loop clients send a request to the web VM, which computes, queries
 * the database VM (which computes), and replies. Latency is measured at the client.
 */
import { quantile } from "../../analysis/quantile.js";
import type { Simulation } from "../kernel/index.js";
import type { World } from "../platform/index.js";
import type { Model } from "./model.js";
import type { WebSpec } from "./schema.js";

export function installWeb(sim: Simulation, spec: WebSpec, world: World): Model {
  const client = world.vm(spec.client), web = world.vm(spec.web), db = world.vm(spec.db);
  const think = sim.rng(`${spec.id}.think`);
  const table = sim.trace.table(`${spec.id}.requests`, { client: "i32", start: "f64", latency_s: "f64" });
  const latencies: number[] = [];

  const request = (c: number) => {
    const t0 = sim.now;
    world.send(client, web, spec.requestBytes, () =>
      web.compute(spec.webOps, () =>
        world.send(web, db, spec.queryBytes, () =>
          db.compute(spec.dbOps, () =>
            world.send(db, web, spec.resultBytes, () =>
              world.send(web, client, spec.replyBytes, () => {
                latencies.push(sim.now - t0);
                table.row(c, t0, sim.now - t0);
                sim.schedule(think.exponential(1 / spec.thinkTime), () => request(c));
              }),
            ),
          ),
        ),
      ),
    );
  };
  for (let c = 0; c < spec.clients; c++) sim.scheduleAt(spec.start + think.exponential(1 / spec.thinkTime), () => request(c));

  return {
    metrics() {
      const elapsed = sim.now - spec.start;
      return {
        requests: latencies.length,
        throughput_rps: elapsed > 0 ? latencies.length / elapsed : 0,
        mean_latency_s: latencies.reduce((a, b) => a + b, 0) / latencies.length,
        p95_latency_s: quantile(latencies, 0.95),
      };
    },
  };
}
