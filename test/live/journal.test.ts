import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupDead, Journal } from "../../sim/live/journal.js";
import { startTime } from "../../sim/live/vm/threads.js";
import { tempDir } from "../helpers.js";

const sleeper = (mark = "") => spawn("sh", ["-c", `sleep 60; : ${mark}`], { stdio: "ignore" });
const alive = (pid: number, start: number | undefined) => startTime(pid) === start;

async function until(ok: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  return ok();
}

test("a dead run's journal is undone: its processes, by id or by mark, and its folders; a stranger with a reused id is spared", async (t) => {
  const dir = tempDir("virtuoso-journal-");
  const mark = `virtuoso-journal-test-${process.pid}`;
  const byId = sleeper();
  const byMark = sleeper(mark);
  const stranger = sleeper();
  const folder = join(dir, "run");
  mkdirSync(folder);
  await until(() => [byId, byMark, stranger].every((c) => startTime(c.pid!) !== undefined));
  const s = (c: typeof byId) => startTime(c.pid!)!;
  const lines = [
    // An owner that is not alive: no task has start time 0.
    { kind: "owner", pid: process.pid, start: 0 },
    { kind: "process", pid: byId.pid, start: s(byId) },
    { kind: "process", mark },
    { kind: "process", pid: stranger.pid, start: s(stranger) + 1 },
    { kind: "dir", path: folder },
  ];
  writeFileSync(join(dir, "live-1.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n{\"kind\":\"proc");
  const done = cleanupDead(dir);
  t.true(await until(() => !alive(byId.pid!, s(byId)) || byId.exitCode !== null || byId.signalCode !== null));
  t.is(byId.signalCode ?? (await new Promise((r) => byId.once("exit", (_c, sig) => r(sig)))), "SIGKILL");
  t.is(byMark.signalCode ?? (await new Promise((r) => byMark.once("exit", (_c, sig) => r(sig)))), "SIGKILL");
  t.is(stranger.exitCode, null);
  t.is(stranger.signalCode, null);
  t.false(existsSync(folder));
  t.false(existsSync(join(dir, "live-1.jsonl")));
  t.true(done.includes(`process ${byId.pid}`) && done.includes(`process ${byMark.pid}`));
  stranger.kill("SIGKILL");
});

test("a live run's journal is left alone by cleanup, and undone by its owner", async (t) => {
  const dir = tempDir("virtuoso-journal-");
  const j = new Journal(dir);
  const child = sleeper();
  j.process(child.pid!);
  t.deepEqual(cleanupDead(dir), []);
  t.is(child.exitCode, null);
  t.deepEqual(j.undo(), [`process ${child.pid}`]);
  t.deepEqual(j.undo(), [], "undoing twice does nothing");
  t.is(await new Promise((r) => child.once("exit", (_c, sig) => r(sig))), "SIGKILL");
  t.false(existsSync(j.file));
});
