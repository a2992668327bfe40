/**
 * VSched's own live mechanism at 10 ms periods: how late its timers fire (dispatch latency)
 * and how much CPU the dispatcher itself uses. Needs root; reported as unavailable otherwise.
 */
import { probe, runLive } from "../live/index.js";
import { parseScenario } from "../scenario/index.js";
import type { Bench } from "./bench.js";

export const liveSignals: Bench = {
  name: "live-signals",
  description: "signals backend (SIGSTOP/SIGCONT + SCHED_FIFO), three processes reserved at 10 ms periods beside a batch process, 5 s of wall time (root)",
  params: { seconds: 5, period: 0.01 },
  unavailable: () => probe("signals"),
  run() {
    throw new Error("live-signals runs asynchronously");
  },
  async runAsync(p) {
    const s = parseScenario({
      name: "live-signals-bench",
      duration: p.seconds,
      platform: { hosts: [{ id: "h", scheduler: "vsched", tick: 0.001, uMax: 0.95 }] },
      vms: ["a", "b", "c", "batch"].map((id) => ({ id, host: "h" })),
      workloads: ["a", "b", "c", "batch"].map((vm) => ({ kind: "batch", id: `w${vm}`, vm })),
      policies: { vsched: { reservations: [["a", 0.3], ["b", 0.2], ["c", 0.2]].map(([vm, u]) => ({ vm, period: p.period, slice: (u as number) * p.period })) } },
    });
    const m = (await runLive(s, "signals")).summary.metrics as Record<string, Record<string, number>>;
    const worst = Math.max(...["a", "b", "c"].map((vm) => Math.abs(m[vm].measured_share - m[vm].expected_share)));
    return [
      { name: "live-signals.timer_error_p50_ms", value: Math.round(m.dispatcher.timer_error_p50_ms * 1000) / 1000, unit: "ms" },
      { name: "live-signals.timer_error_p99_ms", value: Math.round(m.dispatcher.timer_error_p99_ms * 1000) / 1000, unit: "ms" },
      { name: "live-signals.dispatcher_cpu", value: Math.round(m.dispatcher.cpu_share * 1e4) / 1e4, unit: "fraction of a CPU" },
      { name: "live-signals.worst_share_error", value: Math.round(worst * 1e4) / 1e4, unit: "fraction of a CPU" },
    ];
  },
};
