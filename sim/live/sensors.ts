/**
 * Live sensors over /proc: this machine's load (the 1-minute load average, as RPS's traces
 * record it, or the busy cores from /proc/stat between two reads) and a VM's CPU availability
 * (its vCPU threads' CPU time over wall time, from /proc/PID/task/TID/schedstat).
 */
import { readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { AvailabilitySensor, LoadSensor } from "../ports/index.js";
import { monotonicSeconds } from "./wall.js";

/** The 1-minute load average: runnable plus uninterruptible tasks, exponentially smoothed. */
export function loadAverage(text = readFileSync("/proc/loadavg", "utf8")): number {
  const v = Number(text.split(/\s+/)[0]);
  if (!Number.isFinite(v)) throw new Error(`/proc/loadavg: cannot read "${text.trim()}"`);
  return v;
}

/** Total and idle jiffies over all CPUs, from the "cpu" line of /proc/stat. */
export function cpuTimes(text = readFileSync("/proc/stat", "utf8")): { total: number; idle: number; cpus: number } {
  const lines = text.split("\n");
  const f = lines[0].trim().split(/\s+/).slice(1).map(Number);
  if (!lines[0].startsWith("cpu ") || f.length < 4 || f.some((x) => !Number.isFinite(x))) throw new Error("/proc/stat: no aggregate cpu line");
  // idle + iowait count as idle; guest time is already inside user.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: f[3] + (f[4] ?? 0), cpus: lines.filter((l) => /^cpu\d+ /.test(l)).length };
}

export class ProcLoadSensor implements LoadSensor {
  private last = cpuTimes();
  readonly host = hostname();

  constructor(readonly source: "loadavg" | "busy" = "loadavg") {}

  hosts(): readonly string[] {
    return [this.host];
  }

  /** loadavg: the load average; busy: cores busy since the previous reading. */
  load(): number {
    if (this.source === "loadavg") return loadAverage();
    const now = cpuTimes(), dt = now.total - this.last.total;
    const busy = dt > 0 ? (1 - (now.idle - this.last.idle) / dt) * now.cpus : 0;
    this.last = now;
    return busy;
  }
}

/** CPU seconds a thread has run (first field of schedstat, nanoseconds). */
function threadCpu(pid: number, tid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
}

/** A VM's share of a core: its threads' CPU time between readings over the wall time between them. */
export class ThreadAvailability implements AvailabilitySensor {
  private last = new Map<string, { cpu: number; t: number }>();

  /** vm -> its QEMU process; `threads` picks the vCPU threads (default: all of them). */
  constructor(private readonly pids: ReadonlyMap<string, number>, private readonly threads: (pid: number) => number[] = (pid) => readdirSync(`/proc/${pid}/task`).map(Number)) {}

  availability(vm: string): number {
    const pid = this.pids.get(vm);
    if (pid === undefined) throw new Error(`no process for VM "${vm}"`);
    const cpu = this.threads(pid).reduce((s, tid) => s + threadCpu(pid, tid), 0), t = monotonicSeconds();
    const prev = this.last.get(vm);
    this.last.set(vm, { cpu, t });
    return prev && t > prev.t ? (cpu - prev.cpu) / (t - prev.t) : NaN;
  }
}

/**
 * Records `samples` readings, one every `interval` seconds, as `t,level` rows, t = i x interval
 * (the schedule is kept against the monotonic clock, so delays do not accumulate).
 */
export async function recordLoad(sensor: LoadSensor, interval: number, samples: number, onSample?: (i: number, v: number) => void, stop?: () => boolean): Promise<[number, number][]> {
  const host = sensor.hosts()[0];
  const rows: [number, number][] = [];
  const t0 = monotonicSeconds();
  sensor.load(host);
  for (let i = 0; i < samples && !stop?.(); i++) {
    const wait = t0 + (i + 1) * interval - monotonicSeconds();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait * 1000));
    const v = sensor.load(host);
    rows.push([i * interval, v]);
    onSample?.(i, v);
  }
  return rows;
}
