/**
 * The reference for `phold`: the same PHOLD (same random stream, same draws per event) on a
 * bare binary heap of two typed arrays (time, LP), with no priorities, no sequence numbers,
 * no cancellation and no callbacks: the practical ceiling for a heap-based JavaScript kernel.
 * `virtuoso bench phold --against phold-bare` reports the kernel (a calendar queue) against it.
 */
import { Rng } from "../kernel/index.js";
import { monotonicSeconds, peakRssMb } from "../live/index.js";
import { cpuSeconds, round, type Bench, type Figure } from "./bench.js";

export const pholdBare: Bench = {
  name: "phold-bare",
  description: "reference PHOLD on a bare typed-array binary heap (no kernel): events per second",
  params: { lps: 1000, init: 1, events: 5_000_000, lookahead: 0.1, seed: 1 },
  run(p) {
    return barePhold("phold-bare", p);
  },
};

export function barePhold(name: string, p: Record<string, number>): Figure[] {
  const random = new Rng("phold.phold", p.seed).random;
  const { lps, lookahead } = p;
  const cap = lps * p.init + 1;
  const time = new Float64Array(cap);
  const lpOf = new Int32Array(cap);
  const received = new Float64Array(lps);
  let n = 0;
  const push = (t: number, lp: number) => {
    let i = n++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (time[up] <= t) break;
      time[i] = time[up];
      lpOf[i] = lpOf[up];
      i = up;
    }
    time[i] = t;
    lpOf[i] = lp;
  };
  for (let lp = 0; lp < lps; lp++) for (let k = 0; k < p.init; k++) push(lookahead - Math.log(1 - random()), lp);
  let events = 0;
  const c0 = process.cpuUsage();
  const t0 = monotonicSeconds();
  while (events < p.events && n > 0) {
    const now = time[0], lp = lpOf[0];
    // Pop: sift the last entry down from the root.
    const t = time[--n], l = lpOf[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && time[c + 1] < time[c]) c++;
      if (time[c] >= t) break;
      time[i] = time[c];
      lpOf[i] = lpOf[c];
      i = c;
    }
    time[i] = t;
    lpOf[i] = l;
    events++;
    received[lp]++;
    push(now + lookahead - Math.log(1 - random()), Math.floor(random() * lps));
  }
  const wall = monotonicSeconds() - t0;
  const cpu = cpuSeconds(c0);
  return [
    { name, value: Math.round(events / wall), unit: "events/s" },
    { name: `${name}.wall_s`, value: round(wall), unit: "s" },
    // CPU time too: on a shared machine it moves less with other people's load than wall time.
    { name: `${name}.per_cpu_s`, value: Math.round(events / cpu), unit: "events per CPU second" },
    { name: `${name}.peak_rss_mb`, value: round(peakRssMb()), unit: "MB" },
  ];
}
