/**
 * UUCS testcases started and stopped by steering actions in simulation: the levels held are
 * the profile's at start + j x interval until the stop or the testcase's end, and the CPU they
 * borrow is taken from the host's VMs exactly (a fair host beside one batch VM: the batch VM
 * does speed x (T - the integral of the borrowed cores) operations).
 */
import test from "ava";
import fc from "fast-check";
import { runScenario } from "../../sim/runner/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import { levelAt, parseTestcase } from "../../sim/uucs/index.js";
import { cli, tempDir, writeJson } from "../helpers.js";

const base = (testcase: object, actions: object[], duration: number) => ({
  name: "uucs-steer",
  seed: 1,
  duration,
  platform: { hosts: [{ id: "h", speed: 1e9 }] },
  vms: [{ id: "v", host: "h" }],
  workloads: [{ kind: "batch", id: "b", vm: "v" }],
  policies: { uucs: { testcases: [{ name: "tc", ...testcase }] } },
  actions,
});

test("uucs-start/uucs-stop: levels at start + j x interval, ended or stopped, and the batch VM gets exactly what is not borrowed (property)", (t) => {
  fc.assert(
    fc.property(
      fc.record({
        profile: fc.constantFrom("ramp", "step"),
        levels: fc.array(fc.double({ min: 0, max: 0.25, noNaN: true }), { minLength: 2, maxLength: 5 }),
        threads: fc.integer({ min: 1, max: 2 }),
        duration: fc.integer({ min: 1, max: 40 }).map((x) => x / 4),
        interval: fc.integer({ min: 1, max: 10 }).map((x) => x / 10),
      }),
      fc.integer({ min: 0, max: 50 }).map((x) => x / 10),
      fc.option(fc.integer({ min: 1, max: 80 }).map((x) => x / 10)),
      (spec, start, after) => {
        fc.pre(spec.interval <= spec.duration);
        const T = 20;
        const stopAt = after === null ? undefined : start + after;
        const actions = [{ at: start, kind: "uucs-start", testcase: "tc" }, ...(stopAt !== undefined ? [{ at: stopAt, kind: "uucs-stop" }] : [])];
        const r = runScenario(parseScenario(base({ resource: "cpu", ...spec }, actions, T)));
        const tc = parseTestcase({ resource: "cpu", ...spec });
        // The definition: level j from start + j x interval while before the end and the stop.
        const end = Math.min(start + tc.duration, stopAt ?? Infinity);
        const want: [number, number, string][] = [];
        for (let j = 0; start + j * tc.interval < end && j * tc.interval < tc.duration; j++) {
          const l = levelAt(tc, j * tc.interval);
          // One row per change of level.
          if (j === 0 || l !== want[want.length - 1][1]) want.push([start + j * tc.interval, l, "running"]);
        }
        // A stop at the very instant of the end is a stop: the action was scheduled first.
        if (stopAt !== undefined && stopAt <= start + tc.duration) want.push([stopAt, 0, "stopped"]);
        else want.push([start + tc.duration, 0, "ended"]);
        const rows = r.sim.trace.all().find((x) => x.name === "uucs")!.rows().slice(1).map((x) => [Number(x[0]), Number(x[3]), String(x[4])] as const);
        t.deepEqual(rows.map((x) => x[2]), want.map((x) => x[2]));
        rows.forEach((x, i) => {
          t.true(Math.abs(x[0] - want[i][0]) < 1e-9, `row ${i} at ${x[0]}, want ${want[i][0]}`);
          t.true(Math.abs(x[1] - want[i][1]) < 1e-12);
        });
        // Borrowed core-seconds within the run, level x threads each held to the next change.
        let borrowed = 0;
        want.forEach(([at, l], i) => {
          const next = Math.min(T, want[i + 1]?.[0] ?? T);
          if (at < T) borrowed += l * tc.threads * (next - at);
        });
        const ops = (r.summary.metrics.b as { ops: number }).ops;
        t.true(Math.abs(ops - 1e9 * (T - borrowed)) <= 1e-6 * 1e9 * T, `batch did ${ops} ops, want ${1e9 * (T - borrowed)}`);
      },
    ),
    // And always the tie: a stop at the very instant the testcase ends.
    { numRuns: 60, examples: [[{ profile: "step", levels: [0.1, 0.2], threads: 1, duration: 2, interval: 0.5 }, 1, 2]] },
  );
});

test("a start while a testcase runs and a stop with none running are refused with their reasons, recorded in the steering table", (t) => {
  const r = runScenario(parseScenario(base({ resource: "memory", profile: "step", levels: [1e8], duration: 2 }, [
    { at: 0.5, kind: "uucs-stop" },
    { at: 1, kind: "uucs-start", testcase: "tc" },
    { at: 1.5, kind: "uucs-start", testcase: { name: "other", resource: "disk", profile: "step", levels: [1e6], duration: 1 } },
    { at: 4, kind: "uucs-start", testcase: { name: "other", resource: "disk", profile: "step", levels: [1e6], duration: 1 } },
  ], 6)));
  const steering = r.sim.trace.all().find((x) => x.name === "steering")!.rows().slice(1).map((x) => [x[0], x[1], x[2], x[5], x[6]]);
  t.deepEqual(steering, [
    [0.5, "uucs-stop", "UUCS", 0, "no UUCS testcase is running"],
    [1, "uucs-start", "tc", 1, ""],
    [1.5, "uucs-start", "other", 0, 'testcase "tc" is running (since t=1 s); stop it first'],
    [4, "uucs-start", "other", 1, ""],
  ]);
  // Memory and disk have no platform model: their levels are recorded, the batch VM is untouched.
  t.is((r.summary.metrics.b as { ops: number }).ops, 6e9);
  const rows = r.sim.trace.all().find((x) => x.name === "uucs")!.rows().slice(1).map((x) => x.join(","));
  t.deepEqual(rows, ["1,tc,memory,100000000,running", "3,tc,memory,0,ended", "4,other,disk,1000000,running", "5,other,disk,0,ended"]);
});

test("actions naming no testcase, a bad inline testcase, and a bad policies.uucs are refused before the run, one line each", (t) => {
  const dir = tempDir("uucs-steer-");
  const s = base({ resource: "cpu", profile: "ramp", levels: [0.1, 0.2], duration: 5 }, [
    { at: 1, kind: "uucs-start", testcase: "nope" },
    { at: 2, kind: "uucs-start", testcase: { resource: "cpu", profile: "ramp", levels: [0.5], duration: 1 } },
  ], 10);
  (s.policies.uucs as { host?: string }).host = "elsewhere";
  s.policies.uucs.testcases.push({ name: "tc", resource: "disk", profile: "step", levels: [1], duration: 1 } as never);
  const r = cli("run", writeJson(dir, "s.json", s), "-o", `${dir}/out`);
  t.is(r.code, 2);
  t.regex(r.stderr, /^actions\.0\.testcase: no testcase "nope" in policies\.uucs\.testcases$/m);
  t.regex(r.stderr, /^actions\.1\.testcase\.levels: a ramp needs at least two levels/m);
  t.regex(r.stderr, /^policies\.uucs\.host: no host "elsewhere"$/m);
  t.regex(r.stderr, /^policies\.uucs\.testcases\.1\.name: "tc" names another testcase too$/m);
});
