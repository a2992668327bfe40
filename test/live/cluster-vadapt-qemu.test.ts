/**
 * VADAPT's migrate mode, unchanged, on QEMU VMs across a namespace cluster's shaped WAN
 * (scenarios/live-vadapt-migrate.json): a two-rank ring split across a 50 ms WAN can do at
 * most 1 / 50 ms supersteps/s; the loop moves one rank's VM across the WAN next to the other
 * (a live QEMU migration over TLS), and the ring then runs far faster than the WAN allows.
 * The decision is logged with the simulator's columns, the migration with QEMU's time and
 * downtime, and `virtuoso compare` of this run with the same scenario simulated (where the
 * loop migrates too) prints both side by side. Wren reads the WAN's latency from the guests'
 * own messages, stamped in the guests' clocks.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { liveTest } from "./gate.js";
import { qemuBedUnavailable, cli, leftovers, startBed, type Bed } from "./cluster-bed.js";
import { appliedBesideSim, liveRunTwice, qemuHosts, records } from "./cluster-run.js";
import { poll } from "./poll.js";

const sfile = join(process.cwd(), "scenarios/live-vadapt-migrate.json");
const s = JSON.parse(readFileSync(sfile, "utf8"));
/** The WAN's one-way latency: a superstep of the split ring waits for at least one message across it. */
const L: number = s.platform.network.topology.wan.latency;
const HOSTS = ["a", "p", "b"];

const why = qemuBedUnavailable();
const tmp = mkdtempSync(join(tmpdir(), "vt-vq-"));
let bed: Bed | undefined;

const qemuHostsNow = () => qemuHosts(bed!, HOSTS);

test.after.always(async () => {
  await bed?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

liveTest("VADAPT live (migrate mode, QEMU VMs): the loop migrates a VM across the WAN next to its peer, the ring's superstep rate rises past the WAN's bound, the decision and migration are logged, and compare sets them beside the simulated run's", why, async (t) => {
  bed = await startBed(s);
  t.notRegex(bed.out(), /latency: none/, "the testbed emulates the WAN's latency");
  const r = await liveRunTwice(t, bed, sfile, tmp, HOSTS);
  const out = r.out;
  t.is(r.code, 0, r.err);

  // The decision, with the simulator's columns (its header from a simulated run of the same scenario).
  const simOut = join(tmp, "sim");
  const applied = appliedBesideSim(t, sfile, out, simOut);
  t.true(Number(applied[0].migrations) >= 1, "the loop chose to migrate");
  t.true(Number(applied[0].t) >= s.policies.adapt.firstAt);
  t.regex(r.err, /adapt: .* applied/);

  // The migration: across the WAN (a <-> b), completed, with QEMU's time and downtime.
  const moves = records(join(out, "migrations.csv"));
  const done = moves.filter((m) => m.status === "completed");
  t.is(done.length, 1, JSON.stringify(moves));
  const m = done[0];
  t.deepEqual([m.from, m.to].sort(), ["a", "b"]);
  const n = (k: string) => Number(m[k]);
  t.true(n("total_s") > 0 && n("downtime_s") > 0 && n("downtime_s") <= n("total_s"), JSON.stringify(m));
  t.true(n("start") >= Number(applied[0].t) && n("end") > n("start"));
  // Both guests ran on the destination once it was done.
  t.deepEqual(r.placed, { r0: bed.ns(m.to), r1: bed.ns(m.to) }, r.err);

  // The rate from the run's own progress: before the first applied decision, and after the last migration.
  const prog = records(join(out, "progress.csv")).map((p) => [Number(p.t), Number(p.supersteps)]);
  const rate = (from: number, to: number) => {
    const xs = prog.filter(([tt]) => tt >= from && tt <= to);
    const [[ta, ka], [tb, kb]] = [xs[0], xs[xs.length - 1]];
    return (kb - ka) / (tb - ta);
  };
  const before = rate(0.5, Number(applied[0].t)), after = rate(n("end") + 0.5, Infinity);
  t.log(`live: ${before.toFixed(1)} supersteps/s before the decision at ${Number(applied[0].t).toFixed(2)} s, ${after.toFixed(1)} after the migration (${m.vm} ${m.from} -> ${m.to}, ${n("total_s")} s, downtime ${n("downtime_s")} s, ${n("rounds")} syncs, ${n("bytes")} bytes)`);
  // Split across the WAN each superstep waits for a message that takes L: at most 1 / L.
  t.true(before > 0 && before <= 1.05 / L, `before: ${before}/s`);
  // Once on one host the ring is no longer held by the WAN.
  t.true(after > 1.5 / L && after > 2 * before, `after ${after}/s, before ${before}/s`);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.like(summary.metrics.migrations, { done: 1 });
  // Wren on the guests' own messages, their clocks related to the hosts': the WAN's latency.
  const wren = summary.metrics.wren as { observed: number; paths: { src: string; dst: string; bandwidth: number; latency: number | null; samples: number }[] };
  t.log(`wren: ${wren.observed} messages observed; ${JSON.stringify(wren.paths)}`);
  t.true(wren.observed > 0);
  // A message's start is in its sender's guest clock, its end in its receiver's: related to the
  // hosts' clock, the span is the delay line's L plus what TCP and the guests add, give or take
  // the two guests' least console delays.
  for (const [a, b] of [["a", "b"], ["b", "a"]]) {
    const e = wren.paths.find((x) => x.src === a && x.dst === b);
    t.truthy(e && e.latency !== null, `${a} -> ${b} in ${JSON.stringify(wren.paths)}`);
    // More on a loaded machine, where TCG guests wait for a CPU.
    t.true(e!.latency! >= 0.9 * L && e!.latency! <= L + L / 2, `${a} -> ${b}: ${e!.latency} s against the WAN's ${L} s`);
  }
  for (const h of HOSTS) await poll(`the run to be undone on ${h}`, () => leftovers(bed!.ns(h)) === "", 20, 50);
  t.deepEqual(qemuHostsNow(), {});

  // Simulated, the loop migrates too; compare prints both runs' figures side by side.
  t.true(records(join(simOut, "migrations.csv")).length >= 1, "the simulated loop migrated");
  const cmp = spawnSync(process.execPath, [cli, "compare", simOut, out], { encoding: "utf8" });
  t.is(cmp.status, 0, cmp.stderr);
  t.log(cmp.stdout.trim());
  const rows = Object.fromEntries(records(join(out, "compare.csv")).map((x) => [x.quantity, [Number(x.predicted), Number(x.measured)]]));
  for (const q of ["app supersteps/s before adaptation", "app supersteps/s after the last migration", "migration s (mean)", "migration downtime s (mean)"]) t.truthy(rows[q], `${q} in ${JSON.stringify(rows)}`);
  const [pb] = rows["app supersteps/s before adaptation"], [pa] = rows["app supersteps/s after the last migration"];
  t.true(pb <= 1.05 / L && pa > 2 * pb, `simulated: ${pb}/s before, ${pa}/s after`);
});
