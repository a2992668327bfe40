/** Live sensors' /proc parsing, and `virtuoso record-load` writing a replayable trace. */
import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cpuTimes, loadAverage, ProcLoadSensor, ThreadAvailability } from "../../sim/live/index.js";
import { loadProfile } from "../../sim/platform/index.js";
import { cli, tempDir } from "../helpers.js";

const linux = existsSync("/proc/loadavg") && existsSync("/proc/stat");
if (!linux) console.log("live sensor tests on /proc skipped: no /proc/loadavg or /proc/stat (not Linux)");

test("loadAverage and cpuTimes parse /proc formats", (t) => {
  t.is(loadAverage("1.25 0.80 0.50 3/400 12345\n"), 1.25);
  const s = cpuTimes("cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 50 2 25 400 10 0 1 1 0 0\ncpu1 50 3 25 400 10 1 1 2 0 0\nintr 1\n");
  t.deepEqual(s, { total: 981, idle: 820, cpus: 2 });
  t.throws(() => loadAverage("nonsense"));
});

(linux ? test : test.skip)("the busy-cores sensor reads between 0 and the CPU count", (t) => {
  const s = new ProcLoadSensor("busy");
  const end = Date.now() + 200;
  while (Date.now() < end);
  const v = s.load();
  t.true(v >= 0 && v <= cpuTimes().cpus + 1e-9, `busy ${v}`);
  t.true(new ProcLoadSensor("loadavg").load() >= 0);
});

(linux ? test : test.skip)("record-load writes t = i x interval rows that replay as a load trace", (t) => {
  const dir = tempDir();
  const out = join(dir, "load.csv");
  const r = cli("record-load", "--out", out, "--interval", "0.05", "--samples", "4", "--source", "busy");
  t.is(r.code, 0, r.stderr);
  const rows = loadProfile({ kind: "trace", file: out });
  t.deepEqual(rows.map((x) => x[0]), [0, 0.05, 0.1, 0.15]);
  t.true(readFileSync(out, "utf8").startsWith("t,level\n"));
});

test("record-load refuses bad arguments with one line each and exit 2, writing nothing", (t) => {
  const dir = tempDir();
  const r = cli("record-load", "--out", join(dir, "x.csv"), "--interval", "-1", "--samples", "2.5");
  t.is(r.code, 2);
  t.regex(r.stderr, /^--interval: .*\n--samples: /m);
  t.false(existsSync(join(dir, "x.csv")));
});

const schedstat = existsSync(`/proc/${process.pid}/task/${process.pid}/schedstat`);
if (!schedstat) console.log("thread availability test skipped: no /proc/PID/task/TID/schedstat (kernel without schedstats)");

(schedstat ? test : test.skip)("a process's availability from its threads' schedstat agrees with its own CPU accounting", (t) => {
  const s = new ThreadAvailability(new Map([["self", process.pid]]));
  t.true(Number.isNaN(s.availability("self")), "the first reading has nothing to compare with");
  const u0 = process.cpuUsage(), w0 = process.hrtime.bigint();
  s.availability("self");
  const end = Date.now() + 300;
  while (Date.now() < end);
  const a = s.availability("self");
  const u = process.cpuUsage(u0), w = Number(process.hrtime.bigint() - w0) / 1e9;
  const b = (u.user + u.system) / 1e6 / w;
  t.true(Math.abs(a - b) < 0.05 + 0.1 * b, `schedstat ${a}, getrusage ${b}`);
  t.throws(() => s.availability("nope"));
});
