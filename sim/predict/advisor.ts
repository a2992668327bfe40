/**
 * The running-time advisor (RPS's RTA, Dinda 2002): a task needing `nominal` seconds of an
 * unloaded CPU, on a host whose load (runnable competitors, in cores' worth) is L, runs at
 * 1 / (1 + L) of a core under fair sharing, so it takes about nominal x (1 + mean L over its
 * run). The mean load over the next m samples comes from the host's load predictor, m being
 * the running time itself (solved by fixed point), and so does the variance of that mean:
 * the interval is nominal x (1 + mean +- z sd), z the normal quantile of the level.
 */
import { normalQuantile } from "./normal.js";
import type { Predictor } from "./predictor.js";

export interface RunningTime {
  /** Expected running time, seconds. */
  expected: number;
  lo: number;
  hi: number;
  /** The confidence level of [lo, hi]. */
  level: number;
  /** Mean load forecast over the run. */
  load: number;
}

/**
 * `interval` is the seconds between the predictor's samples. Load forecasts below 0 count as
 * 0 (the task never runs faster than unloaded), and so does the interval's lower end.
 */
export function runningTime(load: Predictor, nominal: number, interval: number, level = 0.95, extraLoad = 0): RunningTime {
  let expected = nominal, m = 0, agg = { mean: 0, variance: 0 };
  for (let i = 0; i < 20; i++) {
    const next = Math.max(1, Math.ceil(expected / interval - 1e-9));
    if (next === m) break;
    m = next;
    agg = load.aggregate(m);
    agg = { mean: agg.mean + extraLoad, variance: agg.variance };
    expected = nominal * (1 + Math.max(0, agg.mean));
  }
  const z = normalQuantile(0.5 + level / 2), sd = Math.sqrt(Math.max(0, agg.variance));
  return { expected, lo: nominal * (1 + Math.max(0, agg.mean - z * sd)), hi: nominal * (1 + Math.max(0, agg.mean + z * sd)), level, load: agg.mean };
}

export interface HostAdvice extends RunningTime {
  host: string;
}

/**
 * Host selection on the advisor: every host's running-time interval, best first, by the
 * upper end of the interval (the risk-averse choice; RPS's "pick the host with the lowest
 * upper bound"), then by the expected time, then by name.
 */
export function adviseHosts(loads: ReadonlyMap<string, Predictor>, nominal: number, interval: number, level = 0.95, extra: ReadonlyMap<string, number> = new Map()): HostAdvice[] {
  return [...loads].map(([host, p]) => ({ host, ...runningTime(p, nominal, interval, level, extra.get(host) ?? 0) })).sort((a, b) => a.hi - b.hi || a.expected - b.expected || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}

/**
 * Batch placement on the advisor: tasks in the order given, each to the host whose interval
 * ends lowest counting the tasks already placed there as one more core of load each (they
 * compete for the CPU while they run). Returns task id -> host.
 */
export function placeBatch(tasks: readonly { id: string; nominal: number }[], loads: ReadonlyMap<string, Predictor>, interval: number, level = 0.95): Map<string, string> {
  const placed = new Map<string, number>(), out = new Map<string, string>();
  for (const t of tasks) {
    const best = adviseHosts(loads, t.nominal, interval, level, placed)[0];
    out.set(t.id, best.host);
    placed.set(best.host, (placed.get(best.host) ?? 0) + 1);
  }
  return out;
}
