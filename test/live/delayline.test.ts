/**
 * The delay line's pieces that need no namespace: its queue bound, the choice of mechanism, and
 * its refusal of bad arguments (exit 2, one line naming the field) before it opens anything.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { delayLineBinary, delayLineLimit, delayLineUnavailable } from "../../sim/live/cluster/delayline.js";
import { latencyMechanism } from "../../sim/live/cluster/testbed.js";

test("the queue bound holds twice the bandwidth-delay product in full frames, never fewer than 1024", (t) => {
  // 2.5 MB/s x 20 ms = 50 kB = 33.3 frames: the floor.
  t.is(delayLineLimit(2.5e6, 0.02), 1024);
  // 125 MB/s x 50 ms = 6.25 MB: 2 x 4167 frames (rounded up) and 256 spare.
  t.is(delayLineLimit(125e6, 0.05), Math.ceil((2 * 6.25e6) / 1500) + 256);
  t.true(delayLineLimit(125e6, 0.05) * 1500 >= 2 * 125e6 * 0.05);
  t.is(delayLineLimit(1e12, 10), 1_000_000);
});

test("netem is preferred where present unless VIRTUOSO_DELAY_LINE=1; without netem the delay line, where it can be built", (t) => {
  const line = delayLineUnavailable() ? "none" : "delay line";
  t.is(latencyMechanism(true, {}), "netem");
  t.is(latencyMechanism(true, { VIRTUOSO_DELAY_LINE: "1" }), delayLineUnavailable() ? "netem" : "delay line");
  t.is(latencyMechanism(false, {}), line);
});

const gcc = delayLineUnavailable();
(gcc ? test.skip : test)("bad arguments: exit 2 with the field and what is wrong, before any socket is opened", (t) => {
  const bin = delayLineBinary();
  const cases: [string[], RegExp][] = [
    [["-a", "x", "-b", "y", "-d", "20ms"], /^delayline: -d \(microseconds\): 20ms is not an integer in \[0, 60000000\]$/m],
    [["-a", "x", "-b", "y", "-d", "-1"], /-d \(microseconds\): -1 is not an integer/],
    [["-a", "x", "-b", "y", "-d", "100", "-l", "0"], /-l \(frames\): 0 is not an integer in \[1, 1000000\]/],
    [["-a", "x", "-d", "100"], /-a, -b and -d are required/],
    [["-a", "x", "-b", "y", "-d", "100", "extra"], /unexpected arguments/],
  ];
  for (const [args, why] of cases) {
    const r = spawnSync(bin, args, { encoding: "utf8" });
    t.is(r.status, 2, args.join(" "));
    t.regex(r.stderr, why);
    t.is(r.stdout, "", "nothing started");
  }
});
