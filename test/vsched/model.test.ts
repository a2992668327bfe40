/**
 * The simulated VSched against an independent model: EDF on whole ticks, written from the
 * documented rules (job k released at k x period, due at (k+1) x period; the VM holding the
 * core keeps it on equal deadlines, otherwise the VM admitted first; late jobs still run), and
 * SCHED_DEADLINE's CBS (throttle, replenish with the overrun charged, lag reset). Tick-aligned
 * reservation sets, CPU-bound VMs, no overhead: the simulator must reproduce every job.
 */
import test from "ava";
import fc from "fast-check";
import type { BudgetRule } from "../../sim/vsched/index.js";
import { host } from "./host.js";

interface ModelTask {
  p: number;
  s: number;
}

interface Outcome {
  vm: number;
  release: number;
  deadline: number;
  missed: boolean;
  /** Ticks after the deadline it finished (0 when met). */
  late: number;
}

interface ModelRun {
  jobs: Outcome[];
  cpu: number[];
}

/** Run-on rule on integer ticks: a decision at every tick; no run-on arises on the grid. */
function edfModel(tasks: ModelTask[], ticks: number): ModelRun {
  const pending: { release: number; deadline: number; left: number }[][] = tasks.map(() => []);
  const jobs: Outcome[] = [];
  const cpu = tasks.map(() => 0);
  let running = -1;
  for (let t = 0; t < ticks; t++) {
    tasks.forEach((task, i) => {
      if (t % task.p === 0) pending[i].push({ release: t, deadline: t + task.p, left: task.s });
    });
    let best = -1;
    for (let i = 0; i < tasks.length; i++) {
      if (pending[i].length === 0) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const d = pending[i][0].deadline, bd = pending[best][0].deadline;
      if (d < bd || (d === bd && best !== running && (i === running || i < best))) best = i;
    }
    running = best;
    if (best < 0) continue;
    cpu[best]++;
    const job = pending[best][0];
    if (--job.left === 0) {
      pending[best].shift();
      const missed = t + 1 > job.deadline;
      jobs.push({ vm: best, release: job.release, deadline: job.deadline, missed, late: missed ? t + 1 - job.deadline : 0 });
    }
  }
  return { jobs, cpu };
}

/** CBS on integer ticks, in the order the dispatcher acts at each tick. */
function cbsModel(tasks: ModelTask[], ticks: number): ModelRun {
  const st = tasks.map((task) => ({ d: task.p, q: task.s, throttled: false }));
  const jobs: Outcome[] = [];
  const cpu = tasks.map(() => 0);
  let running = -1;
  const replenish = (i: number, t: number) => {
    const x = st[i], task = tasks[i];
    while (x.q <= 0) {
      x.d += task.p;
      x.q += task.s;
    }
    if (x.d < t) {
      x.d = t + task.p;
      x.q = task.s;
    }
    x.throttled = false;
  };
  for (let t = 0; t < ticks; t++) {
    if (running >= 0 && st[running].q <= 0 && !st[running].throttled) {
      const x = st[running];
      const exhausted = t + x.q;
      const missed = exhausted > x.d;
      jobs.push({ vm: running, release: x.d - tasks[running].p, deadline: x.d, missed, late: missed ? exhausted - x.d : 0 });
      x.throttled = true;
      if (x.d <= t) replenish(running, t);
    }
    st.forEach((x, i) => {
      if (x.throttled && x.d <= t) replenish(i, t);
    });
    let best = -1;
    for (let i = 0; i < tasks.length; i++) {
      if (st[i].throttled) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const d = st[i].d, bd = st[best].d;
      if (d < bd || (d === bd && best !== running && (i === running || i < best))) best = i;
    }
    running = best;
    if (best < 0) continue;
    cpu[best]++;
    st[best].q--;
  }
  return { jobs, cpu };
}

const TICK = 1e-3;
// Periods of at least 2 ticks keep every backlog within the 2000-tick horizon under the
// scheduler's 1000-job cap, where the two would part by design.
const taskArb = fc.record({ p: fc.integer({ min: 2, max: 40 }), f: fc.double({ min: 0, max: 1, noNaN: true }) }).map(({ p, f }) => ({ p, s: Math.max(1, Math.ceil(p * f)) }));

function compare(budget: BudgetRule, model: (ts: ModelTask[], ticks: number) => ModelRun) {
  return fc.property(fc.array(taskArb, { minLength: 1, maxLength: 5 }), (tasks) => {
    const ticks = 2000;
    // Periods as a researcher writes them: products of decimal numbers, with their float noise.
    const h = host(tasks.map((x) => ({ period: x.p * TICK, slice: x.s * TICK })), { tick: TICK, admission: false }, budget);
    h.sim.run({ until: ticks * TICK });
    const m = model(tasks, ticks);
    const half = ticks / 2;
    const key = (o: Outcome) => (o.missed ? o.deadline + o.late : o.deadline);
    const mine = m.jobs.filter((o) => key(o) <= half).map((o) => `${o.vm}@${o.release}-${o.deadline}:${o.missed ? o.late : "met"}`).sort();
    const sim = h.periods
      .map((p) => ({ vm: Number(p.vm.slice(2)), release: Math.round(p.release / TICK), deadline: Math.round(p.deadline / TICK), missed: p.missed, late: Math.round(p.lateness / TICK) }))
      .filter((o) => key(o) <= half)
      .map((o) => `${o.vm}@${o.release}-${o.deadline}:${o.missed ? o.late : "met"}`)
      .sort();
    if (JSON.stringify(sim) !== JSON.stringify(mine)) throw new Error(`jobs differ:\nsim   ${sim.join(" ")}\nmodel ${mine.join(" ")}`);
    tasks.forEach((_, i) => {
      const got = h.cpu.usage(`rt${i}`) / TICK;
      if (Math.abs(got - m.cpu[i]) > 1e-6) throw new Error(`rt${i}: sim ${got} ticks of CPU, model ${m.cpu[i]}`);
    });
  });
}

test("run-on: every job's outcome and every VM's CPU match exact EDF on integer ticks (under and over load)", (t) => {
  fc.assert(compare("run-on", edfModel), { numRuns: 150 });
  t.pass();
});

test("cbs: every server period's outcome and every VM's CPU match an integer-tick CBS model (under and over load)", (t) => {
  fc.assert(compare("cbs", cbsModel), { numRuns: 150 });
  t.pass();
});

test("the model is not trivially agreeable: it sees misses under overload and the tie rule decides who waits", (t) => {
  // (2,1) and (2,1) and (4,1): utilization 1.25, so someone misses.
  t.true(edfModel([{ p: 2, s: 1 }, { p: 2, s: 1 }, { p: 4, s: 1 }], 40).jobs.some((j) => j.missed));
  // Equal deadlines: the VM admitted first runs first.
  const tie = edfModel([{ p: 3, s: 1 }, { p: 3, s: 2 }], 3).jobs;
  t.deepEqual(tie.map((j) => j.vm), [0, 1]);
});
