/** UUCS testcases and the simulated study, against their definitions and brute force. */
import test from "ava";
import fc from "fast-check";
import { firstDiscomfort, slowdown } from "../../sim/experiments/uucs.js";
import { uucsPopulationSchema } from "../../sim/experiments/schema.js";
import { ScenarioError } from "../../sim/scenario/index.js";
import { levelAt, parseTestcase } from "../../sim/uucs/index.js";

test("levelAt: a step holds each level for an equal part; a ramp passes through every level at its segment's end", (t) => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 8 }), fc.double({ min: 1, max: 1000, noNaN: true }), (levels, duration) => {
      const step = parseTestcase({ resource: "cpu", profile: "step", levels, duration, interval: 0.5 });
      const ramp = parseTestcase({ resource: "cpu", profile: "ramp", levels, duration, interval: 0.5 });
      levels.forEach((l, i) => {
        t.is(levelAt(step, ((i + 0.5) * duration) / levels.length), l);
        const at = (i * duration) / (levels.length - 1);
        t.true(Math.abs(levelAt(ramp, at) - l) < 1e-9);
      });
      // Between its ends a ramp segment stays between them.
      const mid = levelAt(ramp, (0.5 * duration) / (levels.length - 1));
      t.true(mid >= Math.min(levels[0], levels[1]) - 1e-12 && mid <= Math.max(levels[0], levels[1]) + 1e-12);
    }),
  );
});

test("a testcase is refused with one path: problem line each", (t) => {
  const e = t.throws(() => parseTestcase({ resource: "cpu", profile: "ramp", levels: [0.2], duration: 5, interval: 10, extra: 1 }), { instanceOf: ScenarioError }) as ScenarioError;
  t.deepEqual(e.problems, ["extra: unknown field"]);
  const e2 = t.throws(() => parseTestcase({ resource: "cpu", profile: "ramp", levels: [0.2], duration: 5, interval: 10 }), { instanceOf: ScenarioError }) as ScenarioError;
  t.true(e2.problems.some((p) => p.startsWith("levels: a ramp needs")));
  t.true(e2.problems.some((p) => p.startsWith("interval: 10 s is longer")));
});

test("firstDiscomfort is the first completion whose window mean passes the threshold (brute force)", (t) => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { maxLength: 60 }), fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (responses, window, threshold) => {
      const done = responses.map((r, i) => [i + 1, r] as [number, number]);
      let want: number | undefined;
      for (let i = window - 1; i < done.length && want === undefined; i++) {
        const mean = done.slice(i - window + 1, i + 1).reduce((s, d) => s + d[1], 0) / window;
        if (mean > threshold * (1 + 1e-9)) want = done[i][0];
        else if (Math.abs(mean - threshold) <= threshold * 1e-9) fc.pre(false); // a tie rounding may decide
      }
      t.is(firstDiscomfort(done, window, threshold), want);
    }),
  );
});

test("slowdown models: none until memory overflows, then linear in the overflow; disk grows without bound toward the bandwidth", (t) => {
  const spec = uucsPopulationSchema.parse({ kind: "uucs-population", app: "ui", testcases: [{ resource: "cpu", profile: "step", levels: [1], duration: 1 }] });
  const { physical, workingSet, penalty } = spec.memory;
  t.is(slowdown(spec, "memory", physical - workingSet), 1);
  t.is(slowdown(spec, "memory", physical - workingSet + workingSet / 2), 1 + penalty / 2);
  t.is(slowdown(spec, "disk", 0), 1);
  t.true(Math.abs(slowdown(spec, "disk", spec.disk.bandwidth / 2) - (1 - spec.disk.ioFraction + 2 * spec.disk.ioFraction)) < 1e-12);
  t.is(slowdown(spec, "disk", spec.disk.bandwidth), Infinity);
  t.is(slowdown(spec, "cpu", 5), 1);
});
