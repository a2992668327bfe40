import test from "ava";
import { Simulation } from "../../sim/kernel/index.js";

// Known bug, kept visible: Simulation.every re-schedules each tick at now + interval, so
// the error of adding 0.1 ten thousand times moves the ticks off k x 0.1 and the tick due at
// t = 1000 falls after the end of the run. When every() computes tick k as start + k x
// interval this starts passing; ava then reports it, and `.failing` should be removed.
test.failing("every() ticks at exactly k x interval, and the tick due at the end of the run happens", (t) => {
  const sim = new Simulation(1);
  const ticks: number[] = [];
  sim.every(0.1, () => ticks.push(sim.now));
  sim.run({ until: 1000 });
  t.is(ticks.length, 10_000);
  t.deepEqual(ticks.filter((x, k) => x !== (k + 1) * 0.1), []);
});
