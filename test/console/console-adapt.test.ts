/**
 * The console's VADAPT steering and graphs, in headless Chromium: the page draws the VNET
 * overlay and VTTIF's inferred topology (a ring here), "adapt now" runs a step of VADAPT's
 * loop at the next step's time, recorded as an `adapt` action whose replay gives byte-identical
 * files.
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { csvRecords } from "../../analysis/csv-read.js";
import { tempDir, writeJson } from "../helpers.js";
import { assertReplayIdentical, noChromium, withConsole } from "./replay.js";

const why = noChromium;
if (why) console.log(`console adapt test skipped: ${why}`);

const vms = ["v0", "v1", "v2"];
const scenario = {
  name: "console-adapt",
  seed: 2,
  duration: 20,
  platform: { hosts: [{ id: "h", count: 4, speed: 1e9 }, { id: "proxy", speed: 1e9 }], network: { topology: { kind: "switch", bandwidth: 12.5e6, latency: 1e-4 } }, overlay: { enabled: true, mode: "star", proxy: "proxy" } },
  vms: vms.map((id, i) => ({ id, host: `h${i}`, memory: 64e6 })),
  workloads: [{ kind: "bsp", id: "app", vms, pattern: "ring", messageBytes: 1e6, computeOps: 2e8, supersteps: 1000 }],
  policies: {
    vttif: { enabled: true, interval: 1, window: 3 },
    wren: { enabled: true },
    // The loop's own steps come late (19 s): the one at the press is the console's.
    adapt: { enabled: true, app: "app", vms, hosts: ["h0", "h1", "h2", "h3"], slots: 1, mode: "migrate", algorithm: "gh", interval: 1000, firstAt: 19 },
  },
};

(why ? test.skip : test)("console: overlay and VTTIF's topology drawn; adapt now from the page runs VADAPT, recorded and replayed byte for byte", async (t) => {
  const dir = tempDir("console-adapt-");
  const out = join(dir, "out");
  await withConsole([writeJson(dir, "s.json", scenario), "-o", out, "--speed", "4"], async (url, browser) => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(url);
    // The overlay: five daemons, a star of links to the Proxy (VNET's first generation).
    await page.waitForFunction('document.querySelectorAll("#overlay g.node").length === 5', undefined, { timeout: 30_000 });
    t.is(await page.locator("#overlay line").count(), 4);
    t.regex((await page.textContent("#overlay")) ?? "", /proxy \(Proxy\)/);
    // VTTIF's inference: a ring of three VMs, three edges.
    await page.waitForFunction('/ring/.test(document.querySelector("#topology-title").textContent)', undefined, { timeout: 30_000 });
    t.is(await page.locator("#topology g.node").count(), 3);
    t.is(await page.locator("#topology line").count(), 3);
    await page.waitForFunction('Number(document.querySelector("#time").textContent) >= 6');
    await page.click("#adapt");
    await page.waitForFunction('[...document.querySelectorAll("#log li")].some((li) => /adapt VADAPT adapt now: (admitted|refused)/.test(li.textContent))');
    await page.waitForFunction('document.querySelectorAll("#decisions li").length >= 1 && !/none yet/.test(document.querySelector("#decisions").textContent)');
    await page.waitForFunction('/ended/.test(document.querySelector("#runstate").textContent)', undefined, { timeout: 60_000 });
    if (process.env.CONSOLE_ADAPT_SHOT) await page.screenshot({ path: process.env.CONSOLE_ADAPT_SHOT });
  });
  const steering = csvRecords(readFileSync(join(out, "steering.csv"), "utf8"));
  t.deepEqual(steering.map((r) => [r.kind, r.target]), [["adapt", "VADAPT"]]);
  const decisions = csvRecords(readFileSync(join(out, "adapt.decisions.csv"), "utf8"));
  // A decision at the action's time: VADAPT stepped then, not only at its own 19 s.
  t.true(decisions.some((d) => d.t === steering[0].t), JSON.stringify(decisions.map((d) => d.t)));
  const actions = JSON.parse(readFileSync(join(out, "scenario.json"), "utf8")).actions;
  t.deepEqual(actions, [{ at: Number(steering[0].t), kind: "adapt" }]);
  const replay = join(dir, "replay");
  assertReplayIdentical(t, out, replay);
});
