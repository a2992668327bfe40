import test from "ava";
import { close, crossbar, world } from "./world-helpers.js";

test("one web client's latency is the sum of its four messages and two computations", (t) => {
  const bw = 1e8, lat = 1e-4;
  const { sim, models } = world({
    ...crossbar(3, bw, lat),
    workloads: [{ kind: "web", id: "shop", client: "vm0", web: "vm1", db: "vm2", clients: 1, thinkTime: 5, requestBytes: 1e4, replyBytes: 1e5, queryBytes: 1e3, resultBytes: 1e4, webOps: 1e7, dbOps: 5e7 }],
  });
  sim.run({ until: 500 });
  const m = models[0].metrics();
  const msg = (b: number) => 2 * lat + b / bw;
  const want = msg(1e4) + 1e7 / 1e9 + msg(1e3) + 5e7 / 1e9 + msg(1e4) + msg(1e5);
  t.true((m.requests as number) > 50);
  t.true(close(m.mean_latency_s as number, want, 1e-9), `${m.mean_latency_s} vs ${want}`);
});

test("many web clients queue at the database: throughput is bounded by its CPU", (t) => {
  const { sim, models } = world({
    ...crossbar(3, 1e9, 1e-5),
    workloads: [{ kind: "web", id: "shop", client: "vm0", web: "vm1", db: "vm2", clients: 50, thinkTime: 0.01, dbOps: 1e8, webOps: 1e6 }],
  });
  sim.run({ until: 200 });
  const m = models[0].metrics();
  t.true((m.throughput_rps as number) <= 10 * 1.001 && (m.throughput_rps as number) > 9, `${m.throughput_rps}`);
});
