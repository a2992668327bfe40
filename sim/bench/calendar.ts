/**
 * A second reference for `phold`: the same PHOLD on a bare calendar queue (Brown 1988), the
 * structure the DES literature proposes for the hold model: buckets of a fixed width, each a
 * sorted linked list in typed arrays, dequeued by sweeping the buckets of the current "year".
 * Bucket count and width are fixed from the PHOLD population (no resizing), which favours it.
 */
import { Rng } from "../kernel/index.js";
import { monotonicSeconds, peakRssMb } from "../live/index.js";
import { cpuSeconds, round, type Bench } from "./bench.js";

export const pholdCalendar: Bench = {
  name: "phold-calendar",
  description: "reference PHOLD on a bare calendar queue (fixed buckets, no kernel): events per second",
  params: { lps: 1000, init: 1, events: 5_000_000, lookahead: 0.1, seed: 1 },
  run(p) {
    const random = new Rng("phold.phold", p.seed).random;
    const { lps, lookahead } = p;
    const cap = lps * p.init + 1;
    let nb = 1;
    while (nb < cap) nb *= 2;
    const mask = nb - 1;
    // About three events' mean separation per bucket (Brown's rule), for mean increment lookahead + 1.
    const width = (3 * (lookahead + 1)) / cap;
    const head = new Int32Array(nb).fill(-1);
    const time = new Float64Array(cap), lpOf = new Int32Array(cap), next = new Int32Array(cap);
    const free = new Int32Array(cap);
    let nFree = 0;
    for (let i = cap - 1; i >= 0; i--) free[nFree++] = i;
    const received = new Float64Array(lps);
    const insert = (t: number, lp: number) => {
      const e = free[--nFree];
      time[e] = t;
      lpOf[e] = lp;
      const b = Math.floor(t / width) & mask;
      let h = head[b];
      if (h < 0 || time[h] > t) {
        next[e] = h;
        head[b] = e;
        return;
      }
      // After equal times: ties leave in insertion order.
      while (next[h] >= 0 && time[next[h]] <= t) h = next[h];
      next[e] = next[h];
      next[h] = e;
    };
    for (let lp = 0; lp < lps; lp++) for (let k = 0; k < p.init; k++) insert(lookahead - Math.log(1 - random()), lp);
    let idx = 0; // absolute bucket index of the sweep; bucket idx covers [idx, idx + 1) x width
    let events = 0;
    const c0 = process.cpuUsage();
    const t0 = monotonicSeconds();
    while (events < p.events) {
      let scanned = 0, e = -1;
      for (;;) {
        const b = idx & mask;
        const h = head[b];
        if (h >= 0 && time[h] < (idx + 1) * width) {
          e = h;
          head[b] = next[h];
          break;
        }
        idx++;
        if (++scanned > nb) {
          // A whole year empty: jump to the earliest event.
          let best = -1;
          for (let j = 0; j < nb; j++) if (head[j] >= 0 && (best < 0 || time[head[j]] < time[best])) best = head[j];
          idx = Math.floor(time[best] / width);
          scanned = 0;
        }
      }
      const now = time[e], lp = lpOf[e];
      free[nFree++] = e;
      events++;
      received[lp]++;
      insert(now + lookahead - Math.log(1 - random()), Math.floor(random() * lps));
    }
    const wall = monotonicSeconds() - t0;
    const cpu = cpuSeconds(c0);
    return [
      { name: "phold-calendar", value: Math.round(events / wall), unit: "events/s" },
      { name: "phold-calendar.wall_s", value: round(wall), unit: "s" },
      { name: "phold-calendar.per_cpu_s", value: Math.round(events / cpu), unit: "events per CPU second" },
      { name: "phold-calendar.peak_rss_mb", value: round(peakRssMb()), unit: "MB" },
    ];
  },
};
