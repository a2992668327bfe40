/**
 * A simulated person live: the button controller steers a live VM's reservation (cgroup
 * backend) from the response times the prober measures, through the same ports as in
 * simulation. Checked against the button's rule and the person's perception rule, from the
 * run's own files: the rate grows by the rule between presses; the person presses only after
 * the mean of their last responses exceeded their threshold, which a small enough cap
 * guarantees happens; a press resets the rate and halves the threshold.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { csvRecords } from "../../analysis/csv-read.js";
import { probe } from "../../sim/live/index.js";
import { root, tempDir, writeJson } from "../helpers.js";
import { liveTest } from "./gate.js";

const bin = join(root, "bin", "virtuoso.js");
const button = { period: 0.05, interval: 1, initial: 0.5, threshold: 0.5, factor: 2, increment: 0.2, max: 0.95 };
const comfort = 0.03;
const scenario = {
  name: "user-live",
  seed: 2,
  duration: 14,
  platform: { hosts: [{ id: "h", scheduler: "vsched", tick: 0.001 }] },
  vms: [{ id: "desktop", host: "h" }, { id: "batch1", host: "h" }],
  workloads: [
    // A burst is some milliseconds of CPU: at 5 % of a core it takes far longer than 30 ms.
    { kind: "interactive", id: "ui", vm: "desktop", thinkTime: 0.1, burstOps: 1e7 },
    { kind: "batch", id: "b1", vm: "batch1" },
  ],
  policies: { user: { users: [{ id: "alice", vm: "desktop", app: "ui", comfort: { kind: "fixed", value: comfort }, window: 3, reaction: 0.2, refractory: 2, button }] } },
  live: { vms: "process" },
};

liveTest("live button person: presses when measured responses are too slow, and the controller follows the TCP-like rule on the live reservation", probe("cgroup"), async (t) => {
  const dir = tempDir("user-live-");
  const out = join(dir, "out");
  const r = spawnSync(process.execPath, [bin, "live", writeJson(dir, "s.json", scenario), "--backend", "cgroup", "-o", out], { encoding: "utf8", timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  const events = csvRecords(readFileSync(join(out, "user.events.csv"), "utf8")).map((e) => ({ t: Number(e.t), event: e.event, share: Number(e.share), threshold: Number(e.threshold) }));
  const responses = csvRecords(readFileSync(join(out, "responses.csv"), "utf8")).map((x) => ({ t: Number(x.t), r: Number(x.response_s) }));
  const presses0 = events.filter((e) => e.event === "press").map((e) => e.t);
  t.is(events[0].event, "start");
  t.is(events[0].share, 1 - button.initial);
  // Every change follows the rule from the state before it (nothing else reserves for desktop).
  for (let i = 1; i < events.length; i++) {
    const rate = 1 - events[i - 1].share, th = events[i - 1].threshold, e = events[i];
    if (e.event === "increase") {
      const want = Math.min(button.max, rate < th ? Math.min(th, rate * button.factor) : rate + button.increment);
      t.true(Math.abs(1 - e.share - want) < 1e-9, `increase at ${e.t}: rate ${1 - e.share}, rule ${want}`);
    } else if (e.event === "press") {
      t.true(Math.abs(1 - e.share - button.initial) < 1e-9);
      t.true(Math.abs(e.threshold - rate / 2) < 1e-9);
      // The person found 3 consecutive responses too slow on average, a reaction (0.2 s, or
      // more on a late timer) before pressing and after their previous press.
      const last = presses0.filter((p) => p < e.t).pop() ?? 0;
      const judged = responses.map((x, j) => ({ t: x.t, mean: j >= 2 && responses[j - 2].t > last ? (responses[j - 2].r + responses[j - 1].r + x.r) / 3 : 0 })).filter((x) => x.t > last && x.t <= e.t - 0.2 + 1e-6);
      t.true(judged.some((x) => x.mean > comfort), `press at ${e.t} after ${JSON.stringify(judged)}`);
    } else t.fail(`unexpected ${e.event}: ${JSON.stringify(e)}`);
  }
  // At 5 % of a core a burst cannot be answered within 30 ms: the person pressed.
  const presses = events.filter((e) => e.event === "press");
  t.true(presses.length >= 1, JSON.stringify(events));
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.is(summary.metrics.steering["alice.presses"], presses.length);
});
