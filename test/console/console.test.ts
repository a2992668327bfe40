/**
 * The console in headless Chromium: open it on a running simulation, see the VMs' shares
 * update, change a reservation and press the button through the page, then check the output
 * records both and that replaying its scenario.json gives byte-identical files. A refused
 * reservation shows admission's reason on the page.
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { csvRecords } from "../../analysis/csv-read.js";
import { tempDir, writeJson } from "../helpers.js";
import { assertReplayIdentical, noChromium, withConsole } from "./replay.js";

const why = noChromium;
if (why) console.log(`console browser test skipped: ${why}`);

const scenario = {
  name: "console-test",
  seed: 3,
  duration: 6,
  platform: { hosts: [{ id: "h", speed: 1e9, scheduler: "vsched", tick: 0.001 }] },
  vms: [{ id: "desktop", host: "h" }, { id: "batch1", host: "h" }],
  workloads: [
    { kind: "interactive", id: "ui", vm: "desktop", thinkTime: 0.2, burstOps: 1e7 },
    { kind: "batch", id: "b1", vm: "batch1" },
  ],
    // The button borrows from half the core up: beside batch1's 30 % it always fits.
  policies: { vsched: { reservations: [{ vm: "batch1", period: 0.1, slice: 0.03 }] }, user: { users: [{ id: "alice", vm: "desktop", app: "ui", button: { initial: 0.5, threshold: 0.6, max: 0.9 } }] } },
};

(why ? test.skip : test)("console: watch shares update, steer a reservation and the button from the page; the output records both and replays byte for byte", async (t) => {
  const dir = tempDir("console-");
  const file = writeJson(dir, "s.json", scenario);
  const out = join(dir, "out");
  await withConsole([file, "-o", out, "--paused", "--speed", "2"], async (url, browser) => {
    t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    // Without the token: refused.
    t.is((await fetch(url.replace(/\?token=.*/, "events"))).status, 403);
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await page.goto(url);
    await page.waitForSelector("#vm-batch1 text.share");
    // Conditions are passed as strings: evaluated in the page, where no transpiler helper exists.
    const time = async () => Number(await page.textContent("#time"));
    const share = async (vm: string) => page.textContent(`#vm-${vm} text.share`);
    // Stepped: time advances and the shares update.
    for (let i = 0; i < 3; i++) await page.click("#step");
    await page.waitForFunction('Number(document.querySelector("#time").textContent) >= 0.6');
    const first = await share("batch1");
    t.regex(first ?? "", /%.*res 30%/);
    // A reservation admission must refuse: 90 % beside batch1's 30 %.
    await page.selectOption("#reserve-vm", "desktop");
    await page.fill("#reserve-period", "50");
    await page.fill("#reserve-slice", "45");
    await page.click("#reserve-go");
    // Applied at the next step's time: pending until that step is taken.
    await page.waitForSelector("#log li.pending");
    await page.click("#step");
    await page.waitForFunction('document.querySelector("#verdict").className === "refused"');
    t.regex((await page.textContent("#verdict")) ?? "", /admission refused desktop: utilization 1\.20 > 1\.00/);
    t.regex((await page.textContent("#log li.refused")) ?? "", /utilization 1\.20 > 1\.00/);
    // One that fits, and the button.
    await page.fill("#reserve-slice", "20");
    await page.click("#reserve-go");
    await page.waitForFunction('document.querySelectorAll("#log li.pending").length === 1');
    await page.click("#press-alice");
    await page.waitForFunction('document.querySelectorAll("#log li.pending").length === 2');
    await page.click("#step");
    await page.waitForFunction('document.querySelectorAll("#log li.admitted").length === 2');
    // The press came after the reservation at the same time: the button's reset (half the core) holds.
    t.regex((await share("desktop")) ?? "", /res 50%/);
    t.true((await time()) >= 0.9);
    await page.click("#resume");
    await page.waitForFunction('/ended/.test(document.querySelector("#runstate").textContent)', undefined, { timeout: 60_000 });
    await page.screenshot({ path: join(dir, "console.png") });
  });
  // The output records both steering actions, at simulated times, with admission's verdicts.
  const steering = csvRecords(readFileSync(join(out, "steering.csv"), "utf8"));
  t.deepEqual(steering.map((r) => [r.kind, r.target, r.admitted]), [["reserve", "desktop", "0"], ["reserve", "desktop", "1"], ["press", "alice", "1"]]);
  t.regex(steering[0].reason, /utilization 1\.20 > 1\.00/);
  const actions = JSON.parse(readFileSync(join(out, "scenario.json"), "utf8")).actions;
  t.is(actions.length, 3);
  t.deepEqual(actions.map((a: { at: number }) => a.at), steering.map((r) => Number(r.t)));
  t.true(readFileSync(join(out, "user.events.csv"), "utf8").includes(`${actions[2].at},alice,press`));
  // Replaying the steered run's scenario gives the same files.
  const replay = join(dir, "replay");
  assertReplayIdentical(t, out, replay);
});
