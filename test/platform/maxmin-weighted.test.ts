import test from "ava";
import fc from "fast-check";
import { MaxMinSolver, type MaxMinProblem } from "../../sim/platform/network/maxmin.js";

/** A flow crosses resources with consumption weights; its share is inversely proportional to its penalty. */
interface Instance {
  capacity: number[];
  fatpipe: boolean[];
  flows: { res: number[]; w: number[]; cap: number; penalty: number }[];
}

const instanceArb = (fatpipes: boolean): fc.Arbitrary<Instance> =>
  fc.integer({ min: 1, max: 7 }).chain((nRes) =>
    fc.record({
      capacity: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: nRes, maxLength: nRes }),
      fatpipe: fc.array(fatpipes ? fc.boolean() : fc.constant(false), { minLength: nRes, maxLength: nRes }),
      flows: fc.array(
        fc.uniqueArray(fc.integer({ min: 0, max: nRes - 1 }), { minLength: 1, maxLength: nRes }).chain((res) =>
          fc.record({
            res: fc.constant(res),
            w: fc.array(fc.constantFrom(1, 1, 0.05, 1.05, 2), { minLength: res.length, maxLength: res.length }),
            cap: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 60 })),
            penalty: fc.constantFrom(1, 0.5, 2, 1e-3, 7.25e-5, 3),
          }),
        ),
        { minLength: 1, maxLength: 16 },
      ),
    }),
  );

function toProblem(inst: Instance): MaxMinProblem {
  const flowStart = new Int32Array(inst.flows.length + 1);
  const flowRes: number[] = [], weight: number[] = [];
  inst.flows.forEach((f, i) => {
    flowRes.push(...f.res);
    weight.push(...f.w);
    flowStart[i + 1] = flowRes.length;
  });
  return {
    capacity: Float64Array.from(inst.capacity),
    nFlows: inst.flows.length,
    flowStart,
    flowRes: Int32Array.from(flowRes),
    cap: Float64Array.from(inst.flows.map((f) => f.cap)),
    penalty: Float64Array.from(inst.flows.map((f) => f.penalty)),
    weight: Float64Array.from(weight),
    fatpipe: Uint8Array.from(inst.fatpipe.map((b) => (b ? 1 : 0))),
  };
}

const solve = (inst: Instance) => {
  const rates = new Float64Array(inst.flows.length);
  new MaxMinSolver().solve(toProblem(inst), rates);
  return rates;
};

/**
 * The definition, computed from scratch at every step: every resource's level (what is left
 * over the unfixed flows' weight / penalty, or for a fat pipe its capacity over their largest
 * weight / penalty) and every cap's level (cap * penalty); the lowest fixes its flows.
 */
function bruteForce(inst: Instance): number[] {
  const n = inst.flows.length;
  const rate = new Array<number>(n).fill(NaN);
  const fixed = () => inst.flows.map((_, i) => !Number.isNaN(rate[i]));
  for (let step = 0; step < n; step++) {
    const done = fixed();
    if (done.every(Boolean)) break;
    let best = Infinity, who: number[] = [];
    inst.capacity.forEach((c, r) => {
      const on = inst.flows.map((f, i) => ({ f, i, k: f.res.indexOf(r) })).filter((x) => x.k >= 0);
      const open = on.filter((x) => !done[x.i]);
      if (open.length === 0) return;
      let lvl: number;
      if (inst.fatpipe[r]) lvl = c / Math.max(...open.map((x) => x.f.w[x.k] / x.f.penalty));
      else {
        const used = on.filter((x) => done[x.i]).reduce((s, x) => s + x.f.w[x.k] * rate[x.i], 0);
        lvl = Math.max(0, c - used) / open.reduce((s, x) => s + x.f.w[x.k] / x.f.penalty, 0);
      }
      if (lvl < best * (1 - 1e-12)) (best = lvl), (who = open.map((x) => x.i));
    });
    let capHit = -1;
    inst.flows.forEach((f, i) => {
      if (!done[i] && f.cap * f.penalty < best * (1 - 1e-12) && (capHit < 0 || f.cap * f.penalty < inst.flows[capHit].cap * inst.flows[capHit].penalty)) capHit = i;
    });
    if (capHit >= 0) rate[capHit] = inst.flows[capHit].cap;
    else for (const i of who) rate[i] = best / inst.flows[i].penalty;
  }
  return rate;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(b));

test("weighted sharing with penalties equals the definition computed from scratch", (t) => {
  fc.assert(
    fc.property(instanceArb(false), (inst) => {
      const got = solve(inst), want = bruteForce(inst);
      return want.every((w, i) => close(got[i], w));
    }),
    { numRuns: 600 },
  );
  t.pass();
});

test("with fat pipes too", (t) => {
  fc.assert(
    fc.property(instanceArb(true), (inst) => {
      const got = solve(inst), want = bruteForce(inst);
      return want.every((w, i) => close(got[i], w));
    }),
    { numRuns: 600 },
  );
  t.pass();
});

test("weighted optimality: nothing over capacity; an uncapped flow has a saturated resource where its level is highest", (t) => {
  fc.assert(
    fc.property(instanceArb(false), (inst) => {
      const rates = solve(inst);
      const load = inst.capacity.map((_, r) => inst.flows.reduce((s, f, i) => s + (f.res.includes(r) ? f.w[f.res.indexOf(r)] * rates[i] : 0), 0));
      if (load.some((l, r) => l > inst.capacity[r] * (1 + 1e-9))) return false;
      return inst.flows.every((f, i) => {
        if (rates[i] >= f.cap * (1 - 1e-9)) return true;
        return f.res.some((r) => {
          const saturated = load[r] >= inst.capacity[r] * (1 - 1e-9);
          const highest = inst.flows.every((g, j) => !g.res.includes(r) || rates[j] * g.penalty <= rates[i] * f.penalty * (1 + 1e-9));
          return saturated && highest;
        });
      });
    }),
    { numRuns: 400 },
  );
  t.pass();
});

test("two flows on one link share it in inverse proportion to their penalties (CM02: 1 / latency)", (t) => {
  for (const [l1, l2] of [[1e-3, 1e-3], [1e-3, 3e-3], [5e-5, 0.1]]) {
    const inst: Instance = { capacity: [1.25e8], fatpipe: [false], flows: [{ res: [0], w: [1], cap: Infinity, penalty: l1 }, { res: [0], w: [1], cap: Infinity, penalty: l2 }] };
    const [a, b] = solve(inst);
    t.true(close(a, (1.25e8 * l2) / (l1 + l2)), `${a}`);
    t.true(close(b, (1.25e8 * l1) / (l1 + l2)), `${b}`);
  }
});

test("cross traffic: two opposite flows on a shared link each take C / 2.1 when both carry 1 + 0.05", (t) => {
  // a -> b and b -> a over one half-duplex link: each is 1 forward plus 0.05 reverse on it.
  const [a, b] = solve({ capacity: [100], fatpipe: [false], flows: [{ res: [0], w: [1.05], cap: Infinity, penalty: 1 }, { res: [0], w: [1.05], cap: Infinity, penalty: 1 }] });
  t.true(close(a, 100 / 2.1) && close(b, 100 / 2.1));
});

test("a fat pipe gives every flow its full capacity when penalties are equal", (t) => {
  const rates = solve({ capacity: [10, 100], fatpipe: [true, false], flows: Array.from({ length: 5 }, () => ({ res: [0], w: [1], cap: Infinity, penalty: 1 })) });
  for (const r of rates) t.is(r, 10);
});
