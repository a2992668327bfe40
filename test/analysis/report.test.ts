import test from "ava";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cli, root, tempDir } from "../helpers.js";

const chromium = "/usr/bin/chromium";
const hasChromium = existsSync(chromium);
if (!hasChromium) console.log(`report browser test skipped: ${chromium} is not installed (apt-get install chromium)`);

test("report writes a self-contained page: no network references, every figure inlined", (t) => {
  const out = join(tempDir(), "run");
  t.is(cli("run", "scenarios/demo.json", "--out", out, "-q").code, 0);
  t.is(cli("report", out).code, 0);
  const html = readFileSync(join(out, "index.html"), "utf8");
  t.notRegex(html, /(src|href)=["']?https?:/);
  t.is((html.match(/<svg /g) ?? []).length, 2, "the demo has two figures: supersteps and the platform");
  t.regex(html, /topology\.svg/);
  t.regex(html, /app\.supersteps\.svg/);
  t.regex(html, /<h2>Metrics<\/h2>/);
  t.is(cli("report", join(out, "nope")).code, 2);
});

(hasChromium ? test : test.skip)("the report renders in headless Chromium: figures have size, the console has no errors", async (t) => {
  const { chromium: pw } = await import("playwright-core");
  const dir = join(tempDir(), "figs");
  t.is(cli("figures", "vttif-patterns", "wren-accuracy", "--out", dir, "-q").code, 0);
  const browser = await pw.launch({ executablePath: chromium, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
  try {
    for (const name of ["vttif-patterns", "wren-accuracy"]) {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(join(dir, name, "index.html")).href);
      const sizes = await page.$$eval("figure svg", (els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.width, r.height]));
      t.true(sizes.length > 0, name);
      for (const [w, h] of sizes) t.true(w > 0 && h > 0, `${name}: ${w}x${h}`);
      t.deepEqual(errors, [], name);
      const shots = join(root, "test", "screenshots");
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, `report-${name}.png`), fullPage: false });
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

test("a live run's report header names its backend and wall time, and nothing undefined", async (t) => {
  const { writeFileSync } = await import("node:fs");
  const { report } = await import("../../analysis/report.js");
  const dir = tempDir();
  writeFileSync(join(dir, "summary.json"), JSON.stringify({ scenario: "live-vsched", backend: "signals", wall_s: 12.5, metrics: { p1: { measured_share: 0.3 } } }));
  const html = report(dir);
  t.regex(html, /<p class="run-header">live run, backend signals, 12\.5 s wall<\/p>/);
  t.notRegex(html, /undefined/);
  writeFileSync(join(dir, "summary.json"), JSON.stringify({ scenario: "s", seed: 3, simulated_s: 10, events: 99, metrics: {} }));
  t.regex(report(dir), /<p class="run-header">seed 3, 10 simulated seconds, 99 events<\/p>/);
});
