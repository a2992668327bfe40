/**
 * `calibrate migration`: reading measurement CSVs (bad ones refused row by row), recovering
 * known parameters from measurements the model itself made, and the calibrated model against
 * the committed QEMU measurements, fitted on one table and held against both.
 */
import test from "ava";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { calibrateMigration, caseMedians, errors, loss, migrationFragment, parseMeasurements, predict, type MeasuredMigration, type MigrationFit } from "../../sim/calibrate/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import { cli, readOutput, root, tempDir } from "../helpers.js";

const header = "memory_mib,dirty_mibps,working_set_mib,cap_mibps,downtime_limit_ms,accel,total_ms,setup_ms,downtime_ms,transferred_bytes,duplicate_pages,normal_pages,dirty_sync_count,health";
// Per case, the median of its repeats (a table without repeats is unchanged).
const fitting = caseMedians(parseMeasurements(readFileSync(join(root, "results/migration-qemu/measurements.csv"), "utf8")));
const heldOut = caseMedians(parseMeasurements(readFileSync(join(root, "results/migration-qemu/heldout.csv"), "utf8")));
// The earlier tables, measured while other work loaded the machine: held out too.
const loaded = ["measurements.csv", "heldout.csv"].flatMap((f) => caseMedians(parseMeasurements(readFileSync(join(root, "results/migration-qemu/loaded", f), "utf8"))));
// Beyond the fitted grid: 320 and 768 MiB, a 32 MiB working set, 2 and 12 MiB/s, caps 64 and 192 MiB/s.
const wide = caseMedians(parseMeasurements(readFileSync(join(root, "results/migration-qemu/wide.csv"), "utf8")));
const fit = calibrateMigration(fitting);
const label = (r: MeasuredMigration) => `${r.memoryMiB} MiB, ${r.dirtyMiBps} MiB/s dirty, cap ${r.capMiBps} MiB/s`;

test("a bad CSV exits 2 with one `row N, column: what is wrong` line per problem and writes nothing", (t) => {
  const dir = tempDir("calibrate-");
  const bad = join(dir, "bad.csv");
  writeFileSync(bad, `${header}\n128,0,64,32,300,tcg,abc,1,62,121734459,3328,29655,3,ok\n128,0,64,32,300,tcg,3478,1,62,121734459,3328,29655,0,ok\n128,0,64\n`);
  const out = join(dir, "fragment.json");
  const r = cli("calibrate", "migration", bad, "--out", out);
  t.is(r.code, 2, r.stderr);
  t.deepEqual(r.stderr.trim().split("\n"), [
    `${bad}: row 2, total_ms: expected a positive number, got "abc"`,
    `${bad}: row 3, dirty_sync_count: expected an integer >= 1, got "0"`,
    `${bad}: row 4: 3 cells, the header has 14`,
  ]);
  t.false(existsSync(out));
  const noColumn = join(dir, "nocol.csv");
  writeFileSync(noColumn, header.replace(",downtime_ms", "") + "\n");
  const r2 = cli("calibrate", "migration", noColumn);
  t.is(r2.code, 2);
  t.is(r2.stderr.trim(), `${noColumn}: row 1, downtime_ms: missing column`);
  // The optional columns QEMU 7.1+ and the layout add: checked when present, empty allowed.
  const extra = join(dir, "extra.csv");
  const h = `${header},downtime_bytes,layout`;
  writeFileSync(extra, `${h}\n192,0,64,32,300,tcg,3478,1,62,121734459,3328,29655,3,ok,-5,256*192\n192,0,64,32,300,tcg,3478,1,62,121734459,3328,29655,3,ok,,256*190\n192,0,64,32,300,tcg,3478,1,62,121734459,3328,29655,3,ok,7000,256*100 x\n192,0,64,32,300,tcg,3478,1,62,121734459,3328,29655,3,ok,,\n`);
  const r3 = cli("calibrate", "migration", extra, "--out", out);
  t.is(r3.code, 2);
  t.deepEqual(r3.stderr.trim().split("\n"), [
    `${extra}: row 2, downtime_bytes: expected a number >= 0, got "-5"`,
    `${extra}: row 3, layout: 190 MiB chunks for a 192 MiB guest`,
    `${extra}: row 4, layout: "x" is not COUNT or COUNT*CHUNKS`,
  ]);
  t.false(existsSync(out));
});

test("parameters are recovered from measurements the model made itself", (t) => {
  // firstCopyRate as measured (about 380 MB/s), so a window of first-time pages at the
  // 128 MiB/s cap is sent within QEMU's 50 ms MAX_WAIT: nearer the edge, whether a check falls
  // mid-window flips with a small change in the rate, and the loss has steps the search can
  // stop on.
  const truth: MigrationFit = {
    bandwidthScale: 1.03, stopCopyRate: 900e6, firstCopyRate: 350e6, switchover: 0.004, switchoverBytes: 300e3, workingSetExtra: 4 << 20, touchedTail: 0.2, setup: 0.002,
    touched: { base: 110e6, perMemory: 0.05, perWorkingSet: 1 },
  };
  const rows: MeasuredMigration[] = [];
  for (const memoryMiB of [192, 256, 512])
    for (const capMiBps of [32, 128])
      for (const dirtyMiBps of [0, 8, 24]) {
        const c = { memoryMiB, dirtyMiBps, workingSetMiB: 64, capMiBps, downtimeLimitMs: 300 };
        const m = memoryMiB << 20;
        const zeroPages = Math.round((m - Math.min(m, truth.touched.base + truth.touched.perMemory * m + (64 << 20))) / 4096);
        const p = predict({ ...c, totalMs: 1, setupMs: 0, downtimeMs: 0, transferredBytes: 1, duplicatePages: 0, dirtySyncCount: 1 }, truth);
        rows.push({ ...c, totalMs: p.total_s * 1000, setupMs: truth.setup * 1000, downtimeMs: p.downtime_s * 1000, transferredBytes: p.bytes, duplicatePages: zeroPages, dirtySyncCount: p.rounds });
      }
  const got = calibrateMigration(rows);
  t.true(Math.abs(got.touched.base - truth.touched.base) < 1e5, `base ${got.touched.base}`);
  t.true(Math.abs(got.touched.perMemory - truth.touched.perMemory) < 1e-3, `perMemory ${got.touched.perMemory}`);
  t.is(got.setup, truth.setup);
  for (const r of rows) {
    const e = errors(r, predict(r, got));
    // A quarter of the acceptance tolerance (5 ms of downtime): the fit finds the model that made the numbers.
    t.true(Math.abs(e.total) < 0.25 && Math.abs(e.bytes) < 0.25 && Math.abs(e.downtime) < 0.25 && e.rounds === 0, `${label(r)}: ${JSON.stringify(e)}`);
  }
});

test("with each guest's layout in the table, the fit finds the model that made the numbers", (t) => {
  const truth: MigrationFit = {
    bandwidthScale: 0.98, stopCopyRate: 1.5e9, firstCopyRate: 350e6, switchover: 0.003, switchoverBytes: 500e3, workingSetExtra: 1 << 20, touchedTail: 0, setup: 0,
    touched: { base: 0, perMemory: 0, perWorkingSet: 1 },
  };
  // Guests as measure sees them: the kernel low, a middle block, a sparse stretch, a dense top.
  const layoutOf = (mib: number) => {
    const l: number[] = Array.from({ length: mib }, () => 0);
    for (let i = 0; i < 90; i++) l[i] = i % 7 === 3 ? 120 : 256;
    for (let i = 0; i < 40; i++) l[Math.floor(mib / 2) - 20 + i] = 256;
    for (let i = 0; i < 6; i++) l[mib - 20 + i] = 40;
    for (let i = 0; i < 11; i++) l[mib - 11 + i] = 250;
    return l;
  };
  const rows: MeasuredMigration[] = [];
  for (const memoryMiB of [192, 256, 512])
    for (const capMiBps of [32, 128])
      for (const dirtyMiBps of [0, 8, 24]) {
        const layout = layoutOf(memoryMiB);
        const zeroPages = layout.reduce((a, n) => a + 256 - n, 0);
        const c = { memoryMiB, dirtyMiBps, workingSetMiB: 64, capMiBps, downtimeLimitMs: 300, layouts: [layout] };
        const p = predict({ ...c, totalMs: 1, setupMs: 0, downtimeMs: 0, transferredBytes: 1, duplicatePages: zeroPages, dirtySyncCount: 1 }, truth);
        rows.push({ ...c, totalMs: p.total_s * 1000, setupMs: 0, downtimeMs: p.downtime_s * 1000, transferredBytes: p.bytes, duplicatePages: zeroPages, dirtySyncCount: p.rounds, downtimeBytes: p.downtime_bytes });
      }
  const got = calibrateMigration(rows);
  for (const r of rows) {
    const e = errors(r, predict(r, got));
    t.true(Math.abs(e.total) < 0.25 && Math.abs(e.bytes) < 0.25 && Math.abs(e.downtime) < 0.25 && e.rounds === 0, `${label(r)}: ${JSON.stringify(e)}`);
  }
  // The tail, fitted afterwards for the parametric layout alone, does at least as well for that
  // layout as any tail on a 0.01 grid.
  const parametricLoss = (touchedTail: number) => loss(rows, { ...got, touchedTail }, { parametric: true });
  const best = parametricLoss(got.touchedTail);
  t.deepEqual(Array.from({ length: 101 }, (_, i) => i / 100).filter((x) => parametricLoss(x) < best), []);
});

test("calibrate migration writes a fragment that is a valid platform.migration for the qemu model", (t) => {
  const dir = tempDir("calibrate-");
  const out = join(dir, "fragment.json");
  const r = cli("calibrate", "migration", join(root, "results/migration-qemu/measurements.csv"), "--out", out);
  t.is(r.code, 0, r.stderr);
  const fragment = JSON.parse(readFileSync(out, "utf8"));
  t.deepEqual(fragment, JSON.parse(JSON.stringify(migrationFragment(fitting, fit))));
  const s = parseScenario({ name: "f", duration: 1, ...fragment, platform: { hosts: [{ id: "h", count: 2 }], ...fragment.platform } });
  t.is(s.platform.migration.model, "qemu");
  t.is(s.platform.migration.downtimeBudget, 0.3);
});

// Fitted on measurements.csv, held against both tables.
const both = [...fitting, ...heldOut];
const check = (rows: readonly MeasuredMigration[], key: "total" | "bytes" | "downtime" | "rounds", opts = {}) =>
  rows.filter((r) => Math.abs(errors(r, predict(r, fit, opts))[key]) > 1).map(label);

test("the committed tables carry each migration's downtime bytes and its guest's layout", (t) => {
  t.is(both.length, 26);
  for (const r of both) {
    t.true(r.downtimeBytes !== undefined && r.downtimeBytes > 0, label(r));
    t.is(r.layouts?.length, 5, label(r));
  }
});

test("calibrated on measurements.csv: total time, bytes, downtime and syncs within tolerance on every fitting and held-out case", (t) => {
  for (const key of ["total", "bytes", "downtime", "rounds"] as const) t.deepEqual(check(both, key), [], key);
});

test("calibrated on measurements.csv: the parametric layout scenarios use (touchedTail) is within tolerance on every case too", (t) => {
  for (const key of ["total", "bytes", "downtime", "rounds"] as const) t.deepEqual(check(both, key, { parametric: true }), [], key);
});

// The loaded machine's tables (results/migration-qemu/README.md): three repeats each, a
// slower and more variable copy. Downtime misses are the 512 MiB guest at 128 MiB/s (46 and
// 62 ms measured, about 26-31 predicted): under load the stop-and-copy went slower.
test("calibrated on measurements.csv, held against the loaded machine's tables: time, bytes and syncs on every case, downtime on all but the 512 MiB guest at 128 MiB/s", (t) => {
  t.is(loaded.length, 26);
  for (const key of ["total", "bytes", "rounds"] as const) t.deepEqual(check(loaded, key), [], key);
  t.deepEqual(check(loaded.filter((r) => !(r.memoryMiB === 512 && r.capMiBps === 128)), "downtime"), []);
});

// results/migration-qemu/README.md: at 192 MiB/s a window's 20 MB takes about as long to
// send as QEMU's 50 ms MAX_WAIT, so whether a check falls mid-window turns on a send rate the
// fitting set (caps up to 128 MiB/s) does not pin down; the model's downtime misses there.
test("calibrated on measurements.csv, held against wide.csv: time, bytes and syncs on every case, downtime at caps up to 64 MiB/s", (t) => {
  t.is(wide.length, 8);
  for (const key of ["total", "bytes", "rounds"] as const) t.deepEqual(check(wide, key), [], key);
  t.deepEqual(check(wide.filter((r) => r.capMiBps <= 64), "downtime"), []);
});

test("repeats of a case become one row of per-quantity medians (the lower middle for an even count); other cases and their order are kept", (t) => {
  const c = { memoryMiB: 256, dirtyMiBps: 8, workingSetMiB: 64, capMiBps: 128, downtimeLimitMs: 300 };
  const m = (totalMs: number, downtimeMs: number, dirtySyncCount: number): MeasuredMigration => ({ ...c, totalMs, setupMs: 1, downtimeMs, transferredBytes: totalMs * 1000, duplicatePages: 10, dirtySyncCount });
  const other = { ...m(50, 5, 3), capMiBps: 32 };
  const rows = [m(900, 100, 4), other, m(1100, 20, 3), m(1000, 300, 5)];
  t.deepEqual(caseMedians(rows), [{ ...m(1000, 100, 4), transferredBytes: 1_000_000 }, other]);
  // Even count: the lower of the middle two, so counts stay integers.
  const even = caseMedians([m(900, 100, 4), m(1100, 20, 3)]);
  t.is(even.length, 1);
  t.is(even[0].totalMs, 900);
  t.is(even[0].dirtySyncCount, 3);
  t.is(even[0].downtimeMs, 20);
  t.deepEqual(caseMedians(fitting), fitting);
  // Layouts: every repeat's, in order, when each has one; none when any lacks one.
  const withLayout = (x: MeasuredMigration, l: number[]) => ({ ...x, layouts: [l] });
  t.deepEqual(caseMedians([withLayout(m(900, 100, 4), [1]), withLayout(m(1100, 20, 3), [2])])[0].layouts, [[1], [2]]);
  t.is(caseMedians([withLayout(m(900, 100, 4), [1]), m(1100, 20, 3)])[0].layouts, undefined);
});

test("measure migration-qemu refuses bad arguments with exit 2 before starting anything", (t) => {
  const dir = tempDir("measure-");
  const out = join(dir, "m.csv");
  const r = cli("measure", "migration-qemu", "--sizes", "64,128", "--out", out);
  t.is(r.code, 2);
  t.is(r.stderr.trim(), `--sizes: expected comma-separated integers >= 96, got "64,128"`);
  const r2 = cli("measure", "migration-qemu", "--sizes", "128", "--working-set", "100", "--out", out);
  t.is(r2.code, 2);
  t.regex(r2.stderr, /--working-set: 100 MiB leaves the smallest guest \(128 MiB\) less than 72 MiB/);
  // 64 MiB in a 128 MiB guest: the kernel keeps about 59 MiB, so this no longer fits.
  t.is(cli("measure", "migration-qemu", "--sizes", "128", "--working-set", "64", "--out", out).code, 2);
  t.is(cli("measure", "nothing", "--out", out).code, 2);
  const big = cli("measure", "migration-qemu", "--sizes", "256,4096", "--out", out);
  t.is(big.code, 2);
  t.is(big.stderr.trim(), "--sizes: at most 3072 MiB (the layout is read below the PCI hole), got 4096");
  for (const bad of [["--repeat", "0"], ["--repeat", "2,3"], ["--working-set", "32,48"], ["--downtime-limit", "x"]]) {
    const r3 = cli("measure", "migration-qemu", "--sizes", "256", ...bad, "--out", out);
    t.is(r3.code, 2, bad.join(" "));
    t.regex(r3.stderr, new RegExp(`^${bad[0]}: expected an integer >= \\d+, got "${bad[1]}"`), bad.join(" "));
  }
  t.false(existsSync(out));
});

test("figures migration-qemu draws the same files twice, and its summary counts the cases within tolerance", (t) => {
  const dir = tempDir("migfig-");
  t.is(cli("figures", "migration-qemu", "--out", join(dir, "a"), "-q").code, 0);
  t.is(cli("figures", "migration-qemu", "--out", join(dir, "b"), "-q").code, 0);
  const a = readOutput(join(dir, "a", "migration-qemu", "model")), b = readOutput(join(dir, "b", "migration-qemu", "model"));
  t.deepEqual(Object.keys(a).sort(), ["bytes.svg", "calibrated.json", "downtime-bytes.svg", "downtime.svg", "predictions.csv", "summary.json", "syncs.svg", "total-time.svg"]);
  t.deepEqual(a, b);
  const summary = JSON.parse(a["summary.json"]);
  t.is(summary.cases, fitting.length + heldOut.length + loaded.length + wide.length);
  t.is(summary.within.bytes, [...both, ...loaded, ...wide].filter((r) => Math.abs(errors(r, predict(r, fit)).bytes) <= 1).length);
  t.is(summary.sets.loaded.within.downtime, loaded.filter((r) => Math.abs(errors(r, predict(r, fit)).downtime) <= 1).length);
  t.deepEqual(summary.sets["held-out"], { cases: heldOut.length, within: { total: heldOut.length, bytes: heldOut.length, downtime: heldOut.length, rounds: heldOut.length } });
});
