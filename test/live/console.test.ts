/**
 * The console on a live run (cgroup backend, process VMs), in headless Chromium: the page
 * shows the VMs' shares as measured from the processes and they update; a reservation that
 * does not fit shows admission's refusal; one that fits, set through the page, takes effect
 * (the kernel's cpu.max holds it, and the VM's measured share falls to within it); a press
 * reaches the person's button controller. The output records the actions, and once the run
 * ends nothing of it is left (groups, processes).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { csvRecords } from "../../analysis/csv-read.js";
import { cgroupRoot, probe } from "../../sim/live/index.js";
import { root, tempDir, writeJson } from "../helpers.js";
import { liveTest } from "./gate.js";
import { poll } from "./poll.js";

const chromium = "/usr/bin/chromium";
const bin = join(root, "bin", "virtuoso.js");
const why = probe("cgroup") ?? (existsSync(chromium) ? undefined : `${chromium} is not installed`);

const scenario = {
  name: "console-live",
  seed: 1,
  duration: 16,
  platform: { hosts: [{ id: "h", scheduler: "vsched", tick: 0.001 }] },
  vms: [{ id: "desktop", host: "h" }, { id: "batch1", host: "h" }, { id: "batch2", host: "h" }],
  workloads: [
    { kind: "interactive", id: "ui", vm: "desktop", thinkTime: 0.3, burstOps: 5e6 },
    { kind: "batch", id: "b1", vm: "batch1" },
    { kind: "batch", id: "b2", vm: "batch2" },
  ],
  policies: {
    vsched: { reservations: [{ vm: "batch1", period: 0.05, slice: 0.035 }] },
    // The button keeps desktop between 10 % and 20 % of a core: beside batch1's 70 % it fits.
    user: { users: [{ id: "alice", vm: "desktop", app: "ui", comfort: { kind: "fixed", value: 0.05 }, button: { initial: 0.8, threshold: 0.85, max: 0.9, interval: 1 } }] },
  },
  live: { vms: "process" },
};

liveTest("live console: measured shares update; a refused and an admitted reservation and a press through the page act on the live run, recorded, and all undone at the end", why, async (t) => {
  const dir = tempDir("console-live-");
  const file = writeJson(dir, "s.json", scenario);
  const out = join(dir, "out");
  const proc = spawn(process.execPath, [bin, "live", file, "--backend", "cgroup", "--console", "-o", out], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  proc.stdout!.on("data", (d) => (stdout += d));
  proc.stderr!.on("data", (d) => (stderr += d));
  const { chromium: pw } = await import("playwright-core");
  const browser = await pw.launch({ executablePath: chromium, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
  const groups = () => readdirSync(cgroupRoot()!.path).filter((g) => g.startsWith(`virtuoso-${proc.pid}-`));
  try {
    const url = await poll("the console's URL", () => /console: (http\S+)/.exec(stdout)?.[1], 90);
    t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    const page = await browser.newPage({ viewport: { width: 1000, height: 720 } });
    await page.goto(url);
    await page.waitForSelector("#vm-batch1 text.share", { timeout: 90_000 });
    t.regex((await page.textContent("#clock")) ?? "", /live \(cgroup/);
    const share = async (vm: string) => Number(/^([\d.]+)%/.exec((await page.textContent(`#vm-${vm} text.share`)) ?? "")?.[1]) / 100;
    // The measured shares update: batch1's reading changes between updates.
    const first = await share("batch1");
    await page.waitForFunction(`document.querySelector("#vm-batch1 text.share").textContent.split(" ")[0] !== ${JSON.stringify((first * 100).toFixed(1) + "%")}`, undefined, { timeout: 10_000 });
    t.regex((await page.textContent("#vm-batch1 text.share")) ?? "", /res 70%/);
    // Does not fit: batch2 at 60 % beside batch1's 70 % (and desktop's).
    await page.selectOption("#reserve-vm", "batch2");
    await page.fill("#reserve-period", "50");
    await page.fill("#reserve-slice", "30");
    await page.click("#reserve-go");
    await page.waitForFunction('document.querySelector("#verdict").className === "refused"');
    t.regex((await page.textContent("#verdict")) ?? "", /admission refused batch2: utilization/);
    // Fits: batch1 down to 10 %.
    await page.selectOption("#reserve-vm", "batch1");
    await page.fill("#reserve-slice", "5");
    await page.click("#reserve-go");
    await page.waitForFunction('document.querySelector("#verdict").className === "admitted"');
    const g = groups().find((x) => x.endsWith("-batch1"));
    t.truthy(g);
    const at = (f: string) => readFileSync(join(cgroupRoot()!.path, g!, f), "utf8").trim();
    t.is(cgroupRoot()!.version === 2 ? at("cpu.max") : `${at("cpu.cfs_quota_us")} ${at("cpu.cfs_period_us")}`, "5000 50000");
    await page.waitForFunction('/res 10%/.test(document.querySelector("#vm-batch1 text.share").textContent)');
    // The measured share falls to within the new cap (a cap is what the mechanism guarantees):
    // the page's readings over windows wholly after the change.
    await new Promise((r) => setTimeout(r, 1200));
    const after: number[] = [];
    for (let i = 0; i < 4; i++) {
      after.push(await share("batch1"));
      await new Promise((r) => setTimeout(r, 550));
    }
    t.true(after.reduce((a, b) => a + b, 0) / after.length <= 0.13, `batch1 measured ${after.join(", ")} under a 10 % cap`);
    await page.click("#press-alice");
    await page.waitForFunction('[...document.querySelectorAll("#log li")].some((li) => /press alice button: admitted/.test(li.textContent))');
    await page.screenshot({ path: process.env.CONSOLE_LIVE_SHOT ?? join(dir, "console-live.png") });
    await page.waitForFunction('/ended/.test(document.querySelector("#runstate").textContent)', undefined, { timeout: 60_000 });
  } finally {
    await browser.close();
    await poll("the run's end", () => /the run ended/.test(stderr) || proc.exitCode !== null, 60).catch(() => undefined);
    proc.kill("SIGINT");
  }
  // Undone: the run's groups are gone.
  t.deepEqual(groups(), []);
  const steering = csvRecords(readFileSync(join(out, "steering.csv"), "utf8"));
  t.deepEqual(steering.map((r) => [r.kind, r.target, r.admitted]), [["reserve", "batch2", "0"], ["reserve", "batch1", "1"], ["press", "alice", "1"]]);
  const actions = JSON.parse(readFileSync(join(out, "scenario.json"), "utf8")).actions;
  t.deepEqual(actions.map((a: { kind: string }) => a.kind), ["reserve", "reserve", "press"]);
  t.true(readFileSync(join(out, "user.events.csv"), "utf8").includes(",alice,press,"));
});
