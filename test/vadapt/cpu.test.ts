/**
 * VADAPT's compute term: each host's CPU availability to a VM (fair share against its
 * background load), weight x the slowest VM's fraction in the objective. Hand-worked instances,
 * the exhaustive search against an independent brute force, and the annealer's incremental
 * score against a fresh evaluation.
 */
import test from "ava";
import fc from "fast-check";
import { Rng } from "../../sim/kernel/index.js";
import { anneal, cpuTerm, evaluate, exhaustive, greedy, greedyAnneal, hostShare, link, State, validRoutes, type Problem } from "../../sim/vadapt/index.js";
import { bruteForce, instance, score } from "./brute.js";

/** Two VMs talking at 10 over direct links; link 0-1 is 100 wide, 0-2 and 1-2 are 20. */
function triangle(background: number[], weight: number, slots = 1, cores = [1, 1, 1]): Problem {
  const H = 3, bandwidth = new Float64Array(9);
  bandwidth[link(0, 1, H)] = 100;
  bandwidth[link(0, 2, H)] = 20;
  bandwidth[link(1, 2, H)] = 20;
  return {
    vms: ["x", "y"],
    hosts: ["h0", "h1", "h2"],
    edges: [{ a: 0, b: 1, demand: 10 }],
    compute: Float64Array.of(1, 1),
    capacity: new Float64Array(3).fill(slots),
    bandwidth,
    latency: new Float64Array(9),
    localBandwidth: 1000,
    pinned: Int32Array.of(-1, -1),
    maxHops: 1,
    latencyWeight: 0,
    cpu: { cores: Float64Array.from(cores), background: Float64Array.from(background), weight },
  };
}

test("a VM's fraction is min(1, cores / (background + compute there)), and the slowest one counts", (t) => {
  const c = { cores: Float64Array.of(1, 2, 4), background: Float64Array.of(1, 1, 2.5), weight: 10 };
  t.is(hostShare(c, 0, 1), 0.5);
  t.is(hostShare(c, 1, 1), 1);
  t.is(hostShare(c, 1, 2), 2 / 3);
  t.is(hostShare(c, 2, 1), 1);
  t.is(hostShare(c, 2, 2), 4 / 4.5);
  const p = triangle([1, 0, 0], 10, 2, [1, 2, 4]);
  p.cpu = c;
  // Both VMs on host 1 (2 cores, background 1): each gets 2/3 of its core.
  t.is(cpuTerm(p, [1, 1]), 10 * (2 / 3));
  // One on host 0 (half a core), one on host 2 (a full core): the slowest gets half.
  t.is(cpuTerm(p, [0, 2]), 5);
  t.is(cpuTerm(p, [2, 2]), 10 * (4 / 4.5));
  t.is(cpuTerm({ ...p, cpu: undefined }, [0, 2]), 0);
});

test("hand-worked trade-off: the wide link on a loaded host against the narrow links on idle ones", (t) => {
  // Host 0 runs one core's worth of other load: a VM there gets half a core.
  // On 0-1 the pair scores 100 - 10 = 90 plus w x 0.5; on 1-2 (or 0-2, still on host 0) 20 - 10 = 10 plus w x 1.
  // Break-even at w = 160.
  for (const [w, hosts, objective] of [
    [100, [0, 1], 90 + 50],
    [150, [0, 1], 90 + 75],
    [200, [1, 2], 10 + 200],
    [1000, [1, 2], 10 + 1000],
  ] as const) {
    const p = triangle([1, 0, 0], w);
    const ex = exhaustive(p);
    t.deepEqual([...ex.solution.host].sort(), [...hosts], `w = ${w}`);
    t.is(ex.objective, objective, `w = ${w}`);
    t.is(evaluate(p, ex.solution).objective, objective);
    const gh = greedy(p);
    t.is(gh.objective, objective, `greedy, w = ${w}`);
    t.is(greedyAnneal(p, new Rng("cpu.hand", w)).objective, objective, `gh+sa, w = ${w}`);
  }
  // No load anywhere: the term is w for every mapping and the wide link wins.
  const idle = triangle([0, 0, 0], 1000);
  t.is(exhaustive(idle).objective, 90 + 1000);
  // Weight 0: exactly the objective without a compute term.
  const zero = triangle([1, 0, 0], 0), none = { ...zero, cpu: undefined };
  t.is(exhaustive(zero).objective, exhaustive(none).objective);
  t.deepEqual(greedy(zero).solution, greedy(none).solution);
});

test("greedy puts the VMs left without partners where their term is largest, not just where there is room", (t) => {
  // No traffic edge decides: three lone VMs, four hosts, host 3 idle and the rest loaded.
  const p: Problem = { ...triangle([0, 0, 0], 1), vms: ["x", "y", "z"], hosts: ["h0", "h1", "h2", "h3"], edges: [{ a: 0, b: 1, demand: 10 }], compute: Float64Array.of(1, 1, 1), capacity: new Float64Array(4).fill(1), bandwidth: new Float64Array(16).fill(50), latency: new Float64Array(16), pinned: Int32Array.of(-1, -1, -1), cpu: { cores: new Float64Array(4).fill(1), background: Float64Array.of(0, 0, 3, 0), weight: 100 } };
  const gh = greedy(p);
  // The lone VM avoids host 2 (a quarter of a core).
  t.false(Array.from(gh.solution.host).includes(2));
  t.is(gh.objective, exhaustive(p).objective);
});

test("greedy relieves the current placement of its slow VM rather than remapping every VM", (t) => {
  // Three VMs talking all to all over equal links; v0's host 0 is loaded, host 3 is idle.
  const H = 4;
  const p: Problem = { ...triangle([0, 0, 0], 1), vms: ["v0", "v1", "v2"], hosts: ["h0", "h1", "h2", "h3"], edges: [{ a: 0, b: 1, demand: 10 }, { a: 0, b: 2, demand: 10 }, { a: 1, b: 2, demand: 10 }], compute: Float64Array.of(1, 1, 1), capacity: new Float64Array(H).fill(1), bandwidth: new Float64Array(H * H).fill(50), latency: new Float64Array(H * H), pinned: Int32Array.of(-1, -1, -1), cpu: { cores: new Float64Array(H).fill(1), background: Float64Array.of(1, 0, 0, 0), weight: 100 } };
  const gh = greedy(p, undefined, [Int32Array.of(0, 1, 2)]);
  t.deepEqual(Array.from(gh.solution.host), [3, 1, 2]);
  t.is(gh.objective, exhaustive(p).objective);
});

/** The random instances of exhaustive.test.ts with a compute term: backgrounds and weights on the scale of the bandwidths. */
const withCpu = fc
  .tuple(instance, fc.array(fc.constantFrom(0, 0, 0.5, 1, 2), { minLength: 4, maxLength: 4 }), fc.array(fc.constantFrom(1, 1, 2), { minLength: 4, maxLength: 4 }), fc.constantFrom(0, 10, 60, 200))
  .map(([p, bg, cores, weight]): Problem => ({ ...p, cpu: { cores: Float64Array.from(cores.slice(0, p.hosts.length)), background: Float64Array.from(bg.slice(0, p.hosts.length)), weight } }));

test("with a compute term, exhaustive equals brute force, and greedy and annealing never beat it", (t) => {
  let feasible = 0, termDecides = 0;
  fc.assert(
    fc.property(withCpu, (p) => {
      const ex = exhaustive(p), bf = bruteForce(p);
      const gh = greedy(p), sa = anneal(p, gh.solution, new Rng("cpu.bf", p.edges.length), { iterations: 300, t0: 0.05, alpha: 0.99, swap: 1, move: 1, reroute: 1, traceEvery: 1000 });
      const tol = 1e-9 * Math.max(1, Math.abs(bf));
      for (const h of [gh, sa]) {
        if (!h.feasible) continue;
        const s = score(p, Array.from(h.solution.host), h.solution.routes);
        if (s === undefined || h.objective > bf + tol || Math.abs(s - h.objective) > tol) return false;
      }
      if (!ex.feasible) return bf === -Infinity;
      feasible++;
      // The optimum without the term is a different mapping's: the term is what decided.
      const plain = exhaustive({ ...p, cpu: undefined });
      if (plain.feasible && cpuTerm(p, plain.solution.host) < cpuTerm(p, ex.solution.host) - 1e-9) termDecides++;
      const check = score(p, Array.from(ex.solution.host), ex.solution.routes);
      return validRoutes(p, ex.solution) && ex.objective === bf && check !== undefined && Math.abs(check - bf) <= tol && ex.objective === evaluate(p, ex.solution).objective;
    }),
    { numRuns: 400, seed: 19 },
  );
  t.true(feasible > 100, `${feasible} feasible`);
  t.true(termDecides > 10, `${termDecides} where the compute term moved the optimum`);
});

test("the annealer's running score keeps the compute term exact through moves (against evaluate)", (t) => {
  fc.assert(
    fc.property(withCpu, fc.integer({ min: 0, max: 1e6 }), (p, seed) => {
      const rng = new Rng("cpu.state", seed);
      const H = p.hosts.length;
      const start = { host: Int32Array.from(p.vms, (_, v) => v % H), routes: [] as number[][] };
      start.routes = p.edges.map((e) => (start.host[e.a] === start.host[e.b] ? [start.host[e.a]] : [start.host[e.a], start.host[e.b]]));
      const st = new State(p, start);
      for (let i = 0; i < 30; i++) {
        const v = rng.int(p.vms.length), h = rng.int(H);
        st.setHost(v, h);
        for (const k of st.incident[v]) {
          const e = p.edges[k], a = st.host[e.a], b = st.host[e.b];
          st.setRoute(k, a === b ? [a] : [a, b]);
        }
        st.rescore();
        const want = evaluate(p, st.solution()).objective;
        if (Math.abs(st.total - want) > 1e-6 * Math.max(1, Math.abs(want))) return false;
      }
      return true;
    }),
    { numRuns: 200, seed: 7 },
  );
  t.pass();
});
