/**
 * Online batch placement under fluctuating host load: jobs arrive one at a time and a policy
 * picks each one's host at arrival; every host then shares its CPU fairly between its
 * external load (L competitors, in cores' worth, piecewise constant per sample) and the jobs
 * placed on it, each job running at 1 / max(1, L + jobs there). Policies:
 * - rta: the running-time advisor (adviseHosts), each host's load forecast by its own
 *   predictor, the jobs already running there counted as one more core of load each;
 * - least-loaded: the host whose last load sample plus its jobs is lowest;
 * - round-robin; random (a named stream).
 * Pure and deterministic: load series and arrivals in, each job's host and finish time out.
 */
import type { Rng } from "../kernel/index.js";
import { adviseHosts } from "./advisor.js";
import type { Predictor } from "./predictor.js";

export type PlacementPolicy = "rta" | "least-loaded" | "round-robin" | "random";

export interface Job {
  id: string;
  arrival: number;
  /** CPU-seconds on an unloaded core. */
  work: number;
}

export interface Placed extends Job {
  host: number;
  finish: number;
}

export interface PlacementSetup {
  /** load[h][i]: host h's external load over [i x interval, (i + 1) x interval). */
  load: readonly Float64Array[];
  interval: number;
  jobs: readonly Job[];
  policy: PlacementPolicy;
  /** rta: a fresh load predictor per host. */
  predictor?: () => Predictor;
  level?: number;
  rng?: Rng;
}

interface Running {
  job: Job;
  host: number;
  left: number;
}

export function placeOnline(s: PlacementSetup): Placed[] {
  const H = s.load.length, dt = s.interval, n = s.load[0].length;
  const preds = s.policy === "rta" ? s.load.map(() => s.predictor!()) : [];
  const jobs = [...s.jobs].sort((a, b) => a.arrival - b.arrival || (a.id < b.id ? -1 : 1));
  const running: Running[] = [];
  const done: Placed[] = [];
  const count = new Int32Array(H);
  let next = 0, rr = 0;
  const choose = (i: number, job: Job): number => {
    switch (s.policy) {
      case "round-robin":
        return rr++ % H;
      case "random":
        return Math.floor(s.rng!.random() * H);
      case "least-loaded": {
        // The last full sample (i - 1), as a sensor would report it; none yet: no load.
        let best = 0, bestV = Infinity;
        for (let h = 0; h < H; h++) {
          const v = (i > 0 ? s.load[h][i - 1] : 0) + count[h];
          if (v < bestV) (best = h), (bestV = v);
        }
        return best;
      }
      case "rta": {
        const loads = new Map(preds.map((p, h) => [`${h}`, p] as const));
        const extra = new Map(Array.from(count, (c, h) => [`${h}`, c] as const));
        return Number(adviseHosts(loads, job.work, dt, s.level ?? 0.95, extra)[0].host);
      }
    }
  };
  for (let i = 0; i < n && (next < jobs.length || running.length > 0); i++) {
    // Every predictor has seen samples 0..i-1 when the interval i starts.
    if (i > 0) preds.forEach((p, h) => p.observe(s.load[h][i - 1]));
    let t = i * dt;
    const end = (i + 1) * dt;
    for (;;) {
      // Next event inside this interval: an arrival or a completion.
      const rate = (r: Running) => 1 / Math.max(1, Math.max(0, s.load[r.host][i]) + count[r.host]);
      let tNext = end, first: Running | undefined;
      if (next < jobs.length && jobs[next].arrival < tNext) tNext = Math.max(t, jobs[next].arrival);
      for (const r of running) {
        const at = t + r.left / rate(r);
        if (at < tNext) (tNext = at), (first = r);
      }
      for (const r of running) r.left -= rate(r) * (tNext - t);
      t = tNext;
      if (first) {
        running.splice(running.indexOf(first), 1);
        count[first.host]--;
        done.push({ ...first.job, host: first.host, finish: t });
        continue;
      }
      if (next < jobs.length && jobs[next].arrival <= t && t < end) {
        const job = jobs[next++];
        const host = choose(i, job);
        running.push({ job, host, left: job.work });
        count[host]++;
        continue;
      }
      break;
    }
  }
  return done.sort((a, b) => a.arrival - b.arrival || (a.id < b.id ? -1 : 1));
}
