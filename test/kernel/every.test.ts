import test from "ava";
import { Simulation } from "../../sim/kernel/index.js";

// every() computes tick k from its index: adding 0.1 ten thousand times would move the ticks
// off k x 0.1 and push the tick due at t = 1000 past the end of the run.
test("every() ticks at exactly k x interval, and the tick due at the end of the run happens", (t) => {
  const sim = new Simulation(1);
  const ticks: number[] = [];
  sim.every(0.1, () => ticks.push(sim.now));
  sim.run({ until: 1000 });
  t.is(ticks.length, 10_000);
  t.deepEqual(ticks.filter((x, k) => x !== (k + 1) * 0.1), []);
});
