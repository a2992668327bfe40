import test from "ava";
import fc from "fast-check";
import { MaxMinSolver, type MaxMinProblem } from "../../sim/platform/network/maxmin.js";

interface Instance {
  capacity: number[];
  flows: { res: number[]; cap: number }[];
}

const instanceArb: fc.Arbitrary<Instance> = fc.integer({ min: 1, max: 8 }).chain((nRes) =>
  fc.record({
    capacity: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: nRes, maxLength: nRes }),
    flows: fc.array(
      fc.record({
        res: fc.uniqueArray(fc.integer({ min: 0, max: nRes - 1 }), { minLength: 1, maxLength: nRes }),
        cap: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 60 })),
      }),
      { minLength: 1, maxLength: 20 },
    ),
  }),
);

function toProblem(inst: Instance): MaxMinProblem {
  const flowStart = new Int32Array(inst.flows.length + 1);
  const flowRes: number[] = [];
  inst.flows.forEach((f, i) => {
    flowRes.push(...f.res);
    flowStart[i + 1] = flowRes.length;
  });
  return {
    capacity: Float64Array.from(inst.capacity),
    nFlows: inst.flows.length,
    flowStart,
    flowRes: Int32Array.from(flowRes),
    cap: Float64Array.from(inst.flows.map((f) => f.cap)),
  };
}

/** Textbook progressive filling: raise every unfrozen flow together until something saturates. */
function progressiveFilling(inst: Instance): number[] {
  const rate = inst.flows.map(() => 0);
  const frozen = inst.flows.map(() => false);
  const eps = 1e-9;
  for (let guard = 0; guard < 1000 && frozen.some((f) => !f); guard++) {
    let inc = Infinity;
    inst.capacity.forEach((c, r) => {
      const users = inst.flows.filter((f, i) => !frozen[i] && f.res.includes(r)).length;
      if (users === 0) return;
      const used = inst.flows.reduce((s, f, i) => s + (f.res.includes(r) ? rate[i] : 0), 0);
      inc = Math.min(inc, (c - used) / users);
    });
    inst.flows.forEach((f, i) => {
      if (!frozen[i]) inc = Math.min(inc, f.cap - rate[i]);
    });
    inst.flows.forEach((_, i) => {
      if (!frozen[i]) rate[i] += inc;
    });
    inst.capacity.forEach((c, r) => {
      const used = inst.flows.reduce((s, f, i) => s + (f.res.includes(r) ? rate[i] : 0), 0);
      if (used >= c - eps) inst.flows.forEach((f, i) => f.res.includes(r) && (frozen[i] = true));
    });
    inst.flows.forEach((f, i) => {
      if (rate[i] >= f.cap - eps) frozen[i] = true;
    });
  }
  return rate;
}

const solve = (inst: Instance) => {
  const rates = new Float64Array(inst.flows.length);
  new MaxMinSolver().solve(toProblem(inst), rates);
  return rates;
};

test("matches an independent progressive-filling implementation on random instances", (t) => {
  fc.assert(
    fc.property(instanceArb, (inst) => {
      const got = solve(inst), want = progressiveFilling(inst);
      return want.every((w, i) => Math.abs(w - got[i]) <= 1e-6 * Math.max(1, w));
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test("no resource is over capacity, and every flow is capped or bottlenecked where it is largest", (t) => {
  fc.assert(
    fc.property(instanceArb, (inst) => {
      const rates = solve(inst);
      const load = inst.capacity.map((_, r) => inst.flows.reduce((s, f, i) => s + (f.res.includes(r) ? rates[i] : 0), 0));
      if (load.some((l, r) => l > inst.capacity[r] * (1 + 1e-9))) return false;
      return inst.flows.every((f, i) => {
        if (rates[i] >= f.cap - 1e-9) return true;
        return f.res.some((r) => {
          const saturated = load[r] >= inst.capacity[r] * (1 - 1e-9);
          const largest = inst.flows.every((g, j) => !g.res.includes(r) || rates[j] <= rates[i] + 1e-9);
          return saturated && largest;
        });
      });
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test("n equal flows on one link each get capacity / n", (t) => {
  for (const n of [1, 2, 7, 100]) {
    const rates = solve({ capacity: [125e6], flows: Array.from({ length: n }, () => ({ res: [0], cap: Infinity })) });
    for (const r of rates) t.is(r, 125e6 / n);
  }
});

test("the classic three-link example: the long flow gets the bottleneck's fair share", (t) => {
  // Links of capacity 1, 1, 2; flow 0 crosses all three, flows 1..3 one link each.
  const rates = solve({
    capacity: [1, 1, 2],
    flows: [{ res: [0, 1, 2], cap: Infinity }, { res: [0], cap: Infinity }, { res: [1], cap: Infinity }, { res: [2], cap: Infinity }],
  });
  t.deepEqual(Array.from(rates), [0.5, 0.5, 0.5, 1.5]);
});
