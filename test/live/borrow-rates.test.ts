/**
 * What the memory and disk borrowers really take, measured from /proc (not their own
 * records): the memory borrower's resident size (VmRSS) grows by its level over its size when
 * borrowing nothing, within the documented tolerance (never more than 2 MiB above it, at most
 * 4 MiB below), and falls back when the level does (to within 6 MiB of its size before: the
 * runtime keeps some of what it grew while borrowing); the disk borrower writes its level in
 * bytes per second (wchar in /proc/PID/io over a window of wall time).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "../helpers.js";
import { liveTest } from "./gate.js";
import { poll } from "./poll.js";

const bin = join(root, "bin", "virtuoso.js");
const why = spawnSync("setpriv", ["--version"]).status === 0 ? (existsSync("/proc/self/io") ? undefined : "no /proc/PID/io (task I/O accounting)") : "setpriv (util-linux) is not installed";
const MiB = 2 ** 20;

function start(tc: object): { pid: Promise<number>; seen: Promise<number>; done: Promise<number | null> } {
  const dir = mkdtempSync(join(tmpdir(), "uucs-rates-"));
  const file = join(dir, "tc.json");
  writeFileSync(file, JSON.stringify(tc));
  const state = mkdtempSync(join(tmpdir(), "uucs-state-"));
  const child = spawn(process.execPath, [bin, "uucs", "run", file, "-o", join(dir, "out")], { env: { ...process.env, VIRTUOSO_STATE_DIR: state }, stdio: ["pipe", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  // The borrowers line is written as the testcase's clock starts.
  const pid = poll("the borrower", () => Number(/borrowers (\d+)/.exec(err)?.[1]) || undefined, 60);
  return { pid, seen: pid.then(() => performance.now()), done: new Promise((r) => child.on("exit", (c) => r(c))) };
}

const rss = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const io = (pid: number, field: string) => Number(new RegExp(`^${field}: (\\d+)`, "m").exec(readFileSync(`/proc/${pid}/io`, "utf8"))![1]);
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

liveTest("uucs: the memory borrower's resident size grows by its level (VmRSS over its size borrowing nothing) and falls back with it", why, async (t) => {
  const level = 128 * MiB;
  // 6 s at 0, 6 s at 128 MiB, 6 s at 0.
  const run = start({ resource: "memory", profile: "step", levels: [0, level, 0], duration: 18 });
  const pid = await run.pid, t0 = await run.seen;
  const since = () => (performance.now() - t0) / 1000;
  // Its size borrowing nothing, once loaded (two readings half a second apart agree).
  let base = 0;
  for (let prev = rss(pid); ; prev = base) {
    await sleep(0.5);
    base = rss(pid);
    if (Math.abs(base - prev) < 0.5 * MiB) break;
    if (since() > 5.5) throw new Error(`the borrower's size did not settle before it started borrowing (${prev} then ${base} bytes)`);
  }
  // `over`: MiB allowed above the level. At 0 after borrowing, the runtime keeps some of what it
  // grew meanwhile (4.1 MiB seen after 128 MiB), which the borrower cannot give back.
  const within = async (want: number, from: number, to: number, over = 2) => {
    await sleep(from - since());
    const got: number[] = [];
    while (since() < to) {
      got.push(rss(pid) - base);
      await sleep(0.5);
    }
    t.log(`level ${want / MiB} MiB: added ${got.map((x) => (x / MiB).toFixed(2)).join(" ")} MiB over ${(base / MiB).toFixed(1)} MiB`);
    t.true(got.length >= 3);
    for (const g of got) t.true(g <= want + over * MiB && g >= want - 4 * MiB, `added ${g / MiB} MiB at a level of ${want / MiB} MiB`);
  };
  // Each level from 2.5 s after it starts (the next correction and a slow machine) to its end.
  await within(level, 8.5, 11.8);
  await within(0, 14.5, 17.5, 6);
  t.is(await run.done, 0);
});

liveTest("uucs: the disk borrower writes its level in bytes per second (/proc/PID/io over wall time)", why, async (t) => {
  const level = 4e6;
  const run = start({ resource: "disk", profile: "step", levels: [level], duration: 7 });
  const pid = await run.pid;
  await poll("the borrower to write", () => io(pid, "wchar") > 0, 30);
  // Past its first second (a start-up catches up on what is due).
  await sleep(1);
  const w0 = io(pid, "wchar"), b0 = io(pid, "write_bytes"), c0 = performance.now();
  await sleep(3);
  const wall = (performance.now() - c0) / 1000;
  const rate = (io(pid, "wchar") - w0) / wall, stored = (io(pid, "write_bytes") - b0) / wall;
  t.log(`level ${level / 1e6} MB/s: wrote ${(rate / 1e6).toFixed(3)} MB/s (write_bytes ${(stored / 1e6).toFixed(3)} MB/s)`);
  // Writes due per 50 ms slot: a window of 3 s holds its level within a slot at each end.
  t.true(Math.abs(rate - level) <= 0.05 * level + (2 * 0.05 * level) / wall, `wrote ${rate} B/s at a level of ${level} B/s`);
  t.is(await run.done, 0);
});
