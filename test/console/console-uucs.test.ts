/**
 * UUCS testcases through the console, in headless Chromium on a running simulation: an
 * unknown testcase is refused with its reason on the page; one of the scenario's starts at the
 * next step, its state and level show on the page and follow its profile, and a stop ends it;
 * a testcase file starts too. The output records the actions at their simulated times (the
 * file's testcase in full), and replaying its scenario.json gives byte-identical files.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { csvRecords } from "../../analysis/csv-read.js";
import { levelAt, parseTestcase } from "../../sim/uucs/index.js";
import { tempDir, writeJson } from "../helpers.js";
import { assertReplayIdentical, noChromium, withConsole } from "./replay.js";

const why = noChromium;
if (why) console.log(`console uucs test skipped: ${why}`);

const scenario = {
  name: "console-uucs",
  seed: 5,
  duration: 5,
  platform: { hosts: [{ id: "h", speed: 1e9 }] },
  vms: [{ id: "desktop", host: "h" }, { id: "batch1", host: "h" }],
  workloads: [
    { kind: "interactive", id: "ui", vm: "desktop", thinkTime: 0.2, burstOps: 1e7 },
    { kind: "batch", id: "b1", vm: "batch1" },
  ],
  // From 20 % to 40 % of a core over 2 s, a new level every 0.4 s (two steps of the page).
  policies: { uucs: { testcases: [{ name: "cpu-ramp", resource: "cpu", profile: "ramp", levels: [0.2, 0.4], duration: 2, interval: 0.4 }] } },
};

(why ? test.skip : test)("console: start and stop a UUCS testcase from the page, see its state and level; recorded and replayed byte for byte", async (t) => {
  const dir = tempDir("console-uucs-");
  const file = writeJson(dir, "s.json", scenario);
  const disk = writeJson(dir, "disk.json", { name: "disk-step", resource: "disk", profile: "step", levels: [2e6, 4e6], duration: 1 });
  const out = join(dir, "out");
  // 0.2 simulated seconds a step.
  await withConsole([file, "-o", out, "--paused", "--speed", "2"], async (url, browser) => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    await page.goto(url);
    await page.waitForSelector("#vm-batch1 text.share");
    t.regex((await page.textContent("#uucs-state")) ?? "", /no testcase started \(cpu-ramp\)/);
    const state = async () => (await page.textContent("#uucs-state")) ?? "";
    const stepTo = async (time: number) => {
      await page.click("#step");
      await page.waitForFunction(`Math.abs(Number(document.querySelector("#time").textContent) - ${time}) < 1e-6`);
    };
    // Unknown: refused at once, the reason on the page.
    await page.fill("#uucs-testcase", "cpu-rmap");
    await page.click("#uucs-start");
    await page.waitForFunction('document.querySelector("#verdict").className === "refused"');
    t.regex((await page.textContent("#verdict")) ?? "", /no testcase "cpu-rmap" in policies\.uucs\.testcases \(cpu-ramp\)/);
    // The scenario's testcase: starts at the next step (0.2 s).
    await page.fill("#uucs-testcase", "cpu-ramp");
    await page.click("#uucs-start");
    await page.waitForSelector("#log li.pending");
    await stepTo(0.2);
    await page.waitForSelector('#uucs-state[data-state="running"]');
    t.regex(await state(), /cpu-ramp \(cpu, ramp\): running since t=0\.20 s, level 20\.0% of a core/);
    t.is(await page.textContent("#verdict"), "started cpu-ramp");
    // Its level follows the ramp: 0.2 + 0.2 x 0.4 / 2 = 24 % at 0.4 s into it (t = 0.6).
    await stepTo(0.4);
    await stepTo(0.6);
    t.regex(await state(), /level 24\.0% of a core/);
    // The borrowed CPU comes out of batch1's share (a fair host: what the testcase does not take).
    const share = Number(/^([\d.]+)%/.exec((await page.textContent("#vm-batch1 text.share")) ?? "")?.[1]);
    t.true(share <= 80, `batch1 at ${share} % while 24 % of the core is borrowed`);
    await page.screenshot({ path: process.env.CONSOLE_UUCS_SHOT ?? join(dir, "console-uucs.png") });
    await page.click("#uucs-stop");
    await page.waitForFunction('document.querySelectorAll("#log li.pending").length === 1');
    await stepTo(0.8);
    await page.waitForSelector('#uucs-state[data-state="stopped"]');
    t.regex(await state(), /cpu-ramp \(cpu, ramp\): stopped at t=0\.80 s, last level 24\.0% of a core/);
    // A testcase file: recorded in full in the action.
    await page.fill("#uucs-testcase", disk);
    await page.click("#uucs-start");
    await stepTo(1);
    await page.waitForSelector('#uucs-state[data-state="running"]');
    t.regex(await state(), /disk-step \(disk, step\): running since t=1\.00 s, level 2\.00 MB\/s/);
    await page.click("#resume");
    await page.waitForFunction('/ended/.test(document.querySelector("#runstate").textContent)', undefined, { timeout: 60_000 });
    t.regex(await state(), /disk-step \(disk, step\): ended at t=2\.00 s, last level 4\.00 MB\/s/);
  });
  const steering = csvRecords(readFileSync(join(out, "steering.csv"), "utf8"));
  t.deepEqual(steering.map((r) => [r.t, r.kind, r.target, r.admitted]), [["0.2", "uucs-start", "cpu-ramp", "1"], ["0.8", "uucs-stop", "cpu-ramp", "1"], ["1", "uucs-start", "disk-step", "1"]]);
  const actions = JSON.parse(readFileSync(join(out, "scenario.json"), "utf8")).actions;
  t.deepEqual(actions.map((a: { at: number; kind: string }) => [a.at, a.kind]), [[0.2, "uucs-start"], [0.8, "uucs-stop"], [1, "uucs-start"]]);
  t.is(actions[0].testcase, "cpu-ramp");
  t.like(actions[2].testcase, { name: "disk-step", resource: "disk", levels: [2e6, 4e6] });
  const levels = csvRecords(readFileSync(join(out, "uucs.csv"), "utf8")).map((r) => [r.t, r.testcase, r.level, r.state]);
  // Rows where the level changes, at start + j x interval: the ramp's level at 0 and 0.4 s in.
  const ramp = parseTestcase(scenario.policies.uucs.testcases[0]);
  t.deepEqual(levels.slice(0, 3), [["0.2", "cpu-ramp", String(levelAt(ramp, 0)), "running"], [String(0.2 + 0.4), "cpu-ramp", String(levelAt(ramp, 0.4)), "running"], ["0.8", "cpu-ramp", "0", "stopped"]]);
  // Replaying the steered run's scenario gives the same files (the file's testcase need not exist).
  const replay = join(dir, "replay");
  spawnSync("rm", [disk]);
  assertReplayIdentical(t, out, replay);
});
