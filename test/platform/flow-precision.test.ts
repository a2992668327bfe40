/**
 * Flows due within COMPLETION_PRECISION x now complete together: rounding must not split an
 * analytically simultaneous end into many re-shares, and nothing further apart may merge.
 */
import test from "ava";
import fc from "fast-check";
import { COMPLETION_PRECISION } from "../../sim/platform/network/flows.js";
import { crossbar, world } from "./world-helpers.js";

/**
 * Two flows out of one host link (one component), sizes in ratio 1 + gap: each sends at half
 * the link until the first ends at 20 s, then the second has 10 x gap s left alone.
 */
function pair(gap: number) {
  const { sim, world: w } = world(crossbar(3, 1e8, 0));
  const ends: number[] = [];
  w.net.start(w.host("h0").node, w.host("h1").node, 1e9, { onDone: () => ends.push(sim.now) });
  w.net.start(w.host("h0").node, w.host("h2").node, 1e9 * (1 + gap), { onDone: () => ends.push(sim.now) });
  sim.run();
  return { ends, carried: w.net.carried };
}

test("ends a rounding apart land at one instant, with every byte counted", (t) => {
  const { ends, carried } = pair(1e-13);
  t.is(ends.length, 2);
  t.is(ends[0], ends[1]);
  t.true(Math.abs(ends[0] - 20) <= 1e-12 * 20);
  const total = [...carried].reduce((a, b) => a + b, 0);
  // Each flow crosses two links (up and down); the merged one still counts all its bytes.
  t.true(Math.abs(total - 2 * (1e9 + 1e9 * (1 + 1e-13))) <= 1e-3, `${total}`);
});

test("ends further apart than the precision stay apart, each at its own time", (t) => {
  for (const gap of [10 * COMPLETION_PRECISION, 1e-6, 1e-3]) {
    const { ends } = pair(gap);
    t.is(ends.length, 2);
    t.true(ends[1] > ends[0], `gap ${gap}`);
    t.true(Math.abs(ends[0] - 20) <= 1e-12 * 20);
    t.true(Math.abs(ends[1] - (20 + 10 * gap)) <= 1e-12 * 20, `gap ${gap}: ${ends[1]}`);
  }
});

test("at all-to-all scale the exchange ends in one instant: start and end re-shares only", (t) => {
  const n = 40;
  const { sim, world: w } = world(crossbar(n, 125e6, 0));
  const ends = new Set<number>();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) w.net.start(w.host(`h${i}`).node, w.host(`h${j}`).node, 1e6, { onDone: () => ends.add(sim.now) });
  sim.run();
  // Each host link carries n - 1 messages at once: (n - 1) MB at 125 MB/s.
  t.is(ends.size, 1);
  t.true(Math.abs([...ends][0] - ((n - 1) * 1e6) / 125e6) <= 1e-12);
  // The start, the end, and the end's leaving (which finds no flow left to solve).
  t.true(w.net.reshares <= 3, `${w.net.reshares} re-shares`);
});

/**
 * An independent fluid model of a zero-latency crossbar: at each start or end, max-min rates
 * by progressive filling over the up and down links, then advance to the next event.
 */
function fluid(n: number, bw: number, flows: { src: number; dst: number; bytes: number; at: number }[]): number[] {
  const end = flows.map(() => NaN), rem = flows.map((f) => f.bytes);
  let now = 0;
  for (;;) {
    const live = flows.map((f, i) => i).filter((i) => flows[i].at <= now && Number.isNaN(end[i]));
    const next = Math.min(...flows.filter((f) => f.at > now).map((f) => f.at));
    if (live.length === 0 && next === Infinity) return end;
    const rate = new Map<number, number>();
    const links = (i: number) => [flows[i].src, n + flows[i].dst];
    const used = new Array(2 * n).fill(0);
    while (rate.size < live.length) {
      let best = Infinity, bestLink = -1;
      for (let l = 0; l < 2 * n; l++) {
        const on = live.filter((i) => !rate.has(i) && links(i).includes(l));
        if (on.length > 0 && (bw - used[l]) / on.length < best) (best = (bw - used[l]) / on.length), (bestLink = l);
      }
      for (const i of live.filter((i) => !rate.has(i) && links(i).includes(bestLink))) {
        rate.set(i, best);
        for (const l of links(i)) used[l] += best;
      }
    }
    const due = Math.min(next, ...live.map((i) => now + rem[i] / rate.get(i)!));
    for (const i of live) {
      rem[i] -= rate.get(i)! * (due - now);
      if (rem[i] <= rate.get(i)! * due * 1e-12) end[i] = due;
    }
    now = due;
  }
}

test("staged starts and ends over a long horizon: every end as the fluid model's, within the precision", (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ src: fc.integer({ min: 0, max: 4 }), hop: fc.integer({ min: 1, max: 4 }), mb: fc.integer({ min: 1, max: 400 }), at: fc.integer({ min: 0, max: 2000 }) }), { minLength: 1, maxLength: 25 }),
      (spec) => {
        const n = 5, bw = 1e6;
        const flows = spec.map((s) => ({ src: s.src, dst: (s.src + s.hop) % n, bytes: s.mb * 1e5, at: s.at }));
        const { sim, world: w } = world(crossbar(n, bw, 0));
        const ends = flows.map(() => NaN);
        flows.forEach((f, i) => sim.schedule(f.at, () => w.net.start(w.host(`h${f.src}`).node, w.host(`h${f.dst}`).node, f.bytes, { onDone: () => (ends[i] = sim.now) })));
        sim.run();
        const want = fluid(n, bw, flows);
        return ends.every((e, i) => Math.abs(e - want[i]) <= 2 * COMPLETION_PRECISION * want[i] + 1e-9);
      },
    ),
    { numRuns: 100 },
  );
  t.pass();
});
