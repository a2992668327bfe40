import test from "ava";
import fc from "fast-check";
import { Rng } from "../../sim/kernel/index.js";
import { anneal, evaluate, exhaustive, greedy, link, validRoutes, type Problem } from "../../sim/vadapt/index.js";
import { bruteForce, instance, score } from "./brute.js";

test("exhaustive equals brute force on random instances of up to 4 hosts, 6 VMs and 3 hops", (t) => {
  let feasible = 0, multiHop = 0, threeHop = 0;
  fc.assert(
    fc.property(instance, (p) => {
      const ex = exhaustive(p), bf = bruteForce(p);
      // No heuristic beats the optimum, and whatever they call feasible is.
      const gh = greedy(p), sa = anneal(p, gh.solution, new Rng("bf", p.edges.length), { iterations: 300, t0: 0.05, alpha: 0.99, swap: 1, move: 1, reroute: 1, traceEvery: 1000 });
      for (const h of [gh, sa]) {
        if (h.feasible && (score(p, Array.from(h.solution.host), h.solution.routes) === undefined || h.objective > bf + 1e-9 * Math.max(1, Math.abs(bf)))) return false;
      }
      if (!ex.feasible) return bf === -Infinity;
      feasible++;
      if (ex.solution.routes.some((r) => r.length > 2)) multiHop++;
      if (ex.solution.routes.some((r) => r.length > 3)) threeHop++;
      // The solution it returns is valid and scores what it says, in the independent model too.
      const check = score(p, Array.from(ex.solution.host), ex.solution.routes);
      return validRoutes(p, ex.solution) && ex.objective === bf && check !== undefined && Math.abs(check - bf) <= 1e-9 * Math.max(1, Math.abs(bf));
    }),
    { numRuns: 600, seed: 12 },
  );
  // The instances exercise what they should: feasible optima, some of them over relays.
  t.true(feasible > 100, `${feasible} feasible`);
  t.true(multiHop > 10, `${multiHop} with relayed routes`);
  t.true(threeHop >= 2, `${threeHop} with 3-hop routes`);
});

/** The reproducer: only the 3-hop route 0-1-2-3 carries the demand. */
function chain(): Problem {
  const H = 4, bandwidth = new Float64Array(16);
  for (const [a, b, w] of [[0, 1, 100], [1, 2, 100], [2, 3, 100], [0, 3, 1], [1, 3, 1], [0, 2, 1]]) bandwidth[link(a, b, H)] = w;
  return { vms: ["x", "y"], hosts: ["h0", "h1", "h2", "h3"], edges: [{ a: 0, b: 1, demand: 50 }], compute: Float64Array.of(1, 1), capacity: new Float64Array(4).fill(1), bandwidth, latency: new Float64Array(16), localBandwidth: 1000, pinned: Int32Array.of(0, 3), maxHops: 3, latencyWeight: 0 };
}

test("the 4-host chain: exhaustive, greedy and annealing all route 0-1-2-3 with objective 50", (t) => {
  const p = chain();
  const ex = exhaustive(p);
  t.true(ex.feasible);
  t.is(ex.objective, 50);
  t.deepEqual(ex.solution.routes, [[0, 1, 2, 3]]);
  t.is(greedy(p).objective, 50);
  // Every VM pinned, starting on the infeasible direct link: annealing has only reroutes.
  const sa = anneal(p, { host: Int32Array.of(0, 3), routes: [[0, 3]] }, new Rng("chain", 1), { iterations: 500, t0: 0.05, alpha: 0.99, swap: 1, move: 1, reroute: 1, traceEvery: 100 });
  t.true(sa.feasible);
  t.deepEqual(sa.solution.routes, [[0, 1, 2, 3]]);
  t.true(sa.moves > 0 && sa.moves <= 500 && sa.accepted <= sa.moves);
  // With 2 hops allowed there is no feasible route.
  t.false(exhaustive({ ...p, maxHops: 2 }).feasible);
});

test("an access link shared by every route of a host is part of the objective and feasibility", (t) => {
  // Host 0 holds VMs x and y, each talking to a VM on hosts 1 and 2: both pairs leave over
  // host 0's access link (capacity 100), though the overlay links 0-1 and 0-2 are 100 each.
  const H = 3, bandwidth = new Float64Array(9);
  for (const [a, b] of [[0, 1], [0, 2], [1, 2]]) bandwidth[link(a, b, H)] = 100;
  const p: Problem = { vms: ["x", "y", "u", "w"], hosts: ["h0", "h1", "h2"], edges: [{ a: 0, b: 2, demand: 30 }, { a: 1, b: 3, demand: 30 }], compute: new Float64Array(4).fill(1), capacity: new Float64Array(3).fill(2), bandwidth, latency: new Float64Array(9), localBandwidth: 1000, pinned: Int32Array.of(0, 0, 1, 2), maxHops: 1, latencyWeight: 0, access: Float64Array.of(100, Infinity, Infinity) };
  const s = { host: Int32Array.of(0, 0, 1, 2), routes: [[0, 1], [0, 2]] };
  // Each pair's bottleneck is the access link: 100 - 60 = 40 (not the overlay link's 70).
  t.is(evaluate(p, s).objective, 80);
  t.is(evaluate({ ...p, access: undefined }, s).objective, 140);
  t.false(evaluate({ ...p, access: Float64Array.of(50, Infinity, Infinity) }, s).feasible);
  t.true(evaluate({ ...p, access: undefined }, s).feasible);
  t.is(exhaustive(p).objective, 80);
});

test("annealing with every VM pinned reroutes to a feasible solution on random instances", (t) => {
  fc.assert(
    fc.property(instance, fc.integer({ min: 0, max: 1e6 }), (p0, seed) => {
      const p = { ...p0, pinned: Int32Array.from(p0.vms, (_, v) => v % p0.hosts.length) };
      const ex = exhaustive(p);
      if (!ex.feasible) return true;
      // Start from the direct routes; whatever is feasible with 3 hops on <= 4 hosts, SA finds.
      const start = { host: p.pinned.slice(), routes: p.edges.map((e) => (p.pinned[e.a] === p.pinned[e.b] ? [p.pinned[e.a]] : [p.pinned[e.a], p.pinned[e.b]])) };
      const sa = anneal(p, start, new Rng("pinned", seed), { iterations: 3000, t0: 0.05, alpha: 0.999, swap: 1, move: 1, reroute: 1, traceEvery: 1000 });
      return sa.feasible && validRoutes(p, sa.solution) && Array.from(sa.solution.host).every((h, v) => h === p.pinned[v]) && sa.objective <= ex.objective + 1e-9;
    }),
    { numRuns: 100, seed: 7 },
  );
  t.pass();
});
