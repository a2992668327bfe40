import test from "ava";
import fc from "fast-check";
import { Rng } from "../../sim/kernel/index.js";
import { anneal, evaluate, exhaustive, greedy, greedyAnneal, link, randomProblem, validRoutes, widestPath, widestPathHops, type Problem } from "../../sim/vadapt/index.js";

/** Every simple path from a to b with at most `hops` links, by plain recursion. */
function simplePaths(n: number, a: number, b: number, hops: number): number[][] {
  const out: number[][] = [];
  const walk = (path: number[]) => {
    const u = path[path.length - 1];
    if (u === b) return void out.push(path);
    if (path.length - 1 === hops) return;
    for (let v = 0; v < n; v++) if (!path.includes(v)) walk([...path, v]);
  };
  walk([a]);
  return out;
}

/** Brute force: all host assignments (H^V), all simple route combinations. */
function bruteForce(p: Problem): number {
  const H = p.hosts.length, V = p.vms.length;
  let best = -Infinity;
  const host = new Int32Array(V);
  const assign = (v: number) => {
    if (v < V) {
      for (let h = 0; h < H; h++) {
        if (p.pinned[v] >= 0 && p.pinned[v] !== h) continue;
        host[v] = h;
        assign(v + 1);
      }
      return;
    }
    const options = p.edges.map((e) => (host[e.a] === host[e.b] ? [[host[e.a]]] : simplePaths(H, host[e.a], host[e.b], p.maxHops)));
    const routes: number[][] = [];
    const pick = (k: number) => {
      if (k === options.length) {
        const r = evaluate(p, { host, routes });
        if (r.feasible) best = Math.max(best, r.objective);
        return;
      }
      for (const o of options[k]) {
        routes[k] = o;
        pick(k + 1);
      }
    };
    pick(0);
  };
  assign(0);
  return best;
}

const tiny = fc.record({ seed: fc.integer({ min: 0, max: 1e6 }), vms: fc.integer({ min: 2, max: 4 }), hosts: fc.integer({ min: 2, max: 3 }), hops: fc.integer({ min: 1, max: 2 }) });

test("exhaustive search finds the brute-force optimum on tiny instances", (t) => {
  fc.assert(
    fc.property(tiny, ({ seed, vms, hosts, hops }) => {
      const p = randomProblem(new Rng("tiny", seed), { vms, hosts, density: 0.7, maxHops: hops, slots: 2 });
      const ex = exhaustive(p);
      const bf = bruteForce(p);
      return ex.objective === bf || Math.abs(ex.objective - bf) <= 1e-6 * Math.abs(bf);
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test("GH, SA and GH+SA give valid, feasible solutions and never beat the optimum", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 3, max: 5 }), fc.integer({ min: 2, max: 3 }), (seed, vms, hosts) => {
      const p = randomProblem(new Rng("small", seed), { vms, hosts, density: 0.5, maxHops: 2, slots: 2 });
      const opt = exhaustive(p);
      if (!opt.feasible) return true;
      const rng = new Rng("sa", seed);
      const params = { iterations: 2000, t0: 0.05, alpha: 0.998, swap: 1, move: 1, reroute: 1, traceEvery: 100 };
      for (const r of [greedy(p), anneal(p, greedy(p).solution, rng, params), greedyAnneal(p, rng, params)]) {
        if (!validRoutes(p, r.solution)) return false;
        if (r.objective > opt.objective + 1e-6 * Math.abs(opt.objective)) return false;
        const check = evaluate(p, r.solution);
        if (check.objective !== r.objective) return false;
      }
      // Annealing from the greedy start ends feasible and no worse.
      const sa = greedyAnneal(p, rng, params);
      return sa.feasible || !greedy(p).feasible;
    }),
    { numRuns: 30 },
  );
  t.pass();
});

test("widest path matches a brute-force maximum-bottleneck path on random graphs", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 6 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: 100 }), { minLength: n * n, maxLength: n * n }), fc.nat(n - 1), fc.nat(n - 1))), ([n, w, a, b]) => {
      const width = (u: number, v: number) => w[Math.min(u, v) * n + Math.max(u, v)];
      const bottleneck = (path: number[]) => path.slice(1).reduce((m, v, i) => Math.min(m, width(path[i], v)), Infinity);
      const all = simplePaths(n, a, b, n);
      const best = Math.max(...all.map(bottleneck));
      const got = widestPath(n, width, a, b);
      if (got.width !== best || bottleneck(got.path) !== best) return false;
      for (const hops of [1, 2]) {
        const limited = Math.max(...simplePaths(n, a, b, hops).map(bottleneck));
        const gh = widestPathHops(n, width, a, b, hops);
        if (gh.width !== limited || gh.path.length - 1 > hops || bottleneck(gh.path) !== limited) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test("the objective rewards residual bandwidth and penalises latency; overload is infeasible", (t) => {
  const H = 2;
  const bw = new Float64Array(4), lat = new Float64Array(4);
  bw[link(0, 1, H)] = 100;
  lat[link(0, 1, H)] = 0.01;
  const p: Problem = { vms: ["a", "b"], hosts: ["h0", "h1"], edges: [{ a: 0, b: 1, demand: 30 }], compute: Float64Array.of(1, 1), capacity: Float64Array.of(1, 1), bandwidth: bw, latency: lat, localBandwidth: 1000, pinned: Int32Array.of(-1, -1), maxHops: 1, latencyWeight: 100 };
  const r = evaluate(p, { host: Int32Array.of(0, 1), routes: [[0, 1]] });
  t.is(r.objective, 70 - 1);
  t.true(r.feasible);
  t.false(evaluate({ ...p, edges: [{ a: 0, b: 1, demand: 130 }] }, { host: Int32Array.of(0, 1), routes: [[0, 1]] }).feasible);
  t.false(evaluate(p, { host: Int32Array.of(0, 0), routes: [[0]] }).feasible, "two VMs on a one-slot host");
});
