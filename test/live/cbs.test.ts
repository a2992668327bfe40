import { probe, runLive } from "../../sim/live/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import { root } from "../helpers.js";
import { liveTest } from "./gate.js";

liveTest("cbs budget: the simulated run and the live SCHED_DEADLINE run give each reserved process the same share within 2 points", probe("deadline"), async (t) => {
  const s = loadScenario(`${root}/scenarios/live-vsched.json`, { sets: ["duration=5.5", "policies.vsched.budget=cbs"] });
  t.is(s.policies.vsched.budget, "cbs");
  const sim = runScenario(s).summary.metrics.vsched;
  const live = (await runLive(s, "deadline")).summary.metrics as Record<string, { measured_share: number; verdict: string }>;
  t.log(JSON.stringify({ sim, live }));
  for (const vm of ["p1", "p2", "p3"]) {
    t.is(live[vm].verdict, "admitted");
    const a = sim[`${vm}.cpu_share`] as number, b = live[vm].measured_share;
    t.true(Math.abs(a - b) <= 0.02, `${vm}: sim ${a} live ${b}`);
  }
});
