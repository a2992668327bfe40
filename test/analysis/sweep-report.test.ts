import test from "ava";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { report } from "../../analysis/report.js";
import { parseCsv } from "../../analysis/csv-read.js";
import { toCsv } from "../../analysis/csv.js";
import { sweep } from "../../sim/sweep/index.js";
import { root, tempDir } from "../helpers.js";

const chromium = "/usr/bin/chromium";
const hasChromium = existsSync(chromium);

/** A sweep folder written by hand: two axes (2 x 2 points), two replications, one failed run. */
function handMade(): string {
  const dir = tempDir();
  const grid = [{ path: "a", values: [1, 2] }, { path: "b", values: ["x", "y"] }];
  const runs = [0, 1, 2, 3].flatMap((point) => [0, 1].map((rep) => ({ id: `p00${point}-r0${rep}`, point, rep, seed: point * 10 + rep, values: { a: grid[0].values[point >> 1], b: grid[1].values[point & 1] } })));
  writeFileSync(join(dir, "sweep.json"), JSON.stringify({ file: "/s.json", grid, reps: 2, runs }));
  const runRows = runs.map((r) => [r.id, r.point, r.rep, r.seed, r.id === "p003-r01" ? "failed" : "ok", r.id === "p003-r01" ? "boom, at t = 3" : ""]);
  writeFileSync(join(dir, "runs.csv"), toCsv([["id", "point", "rep", "seed", "status", "error"], ...runRows]));
  // m.speed varies; m.echo equals its parameter in every replication; m.fixed is constant everywhere.
  const summary: (string | number)[][] = [["point", "a", "b", "metric", "n", "mean", "sd", "ci95_lo", "ci95_hi"]];
  for (const p of [0, 1, 2, 3]) {
    const a = p >> 1 ? 2 : 1, b = p & 1 ? '"y"' : '"x"';
    summary.push([p, a, b, "m.speed", 2, 10 * a + p, 1, 10 * a + p - 9, 10 * a + p + 9]);
    summary.push([p, a, b, "m.echo", 2, a, 0, a, a]);
    summary.push([p, a, b, "m.fixed", 2, 7, 0.5, 2, 12]);
  }
  writeFileSync(join(dir, "summary.csv"), toCsv(summary));
  for (const r of runs.filter((r) => r.id !== "p003-r01")) {
    mkdirSync(join(dir, "runs", r.id), { recursive: true });
    writeFileSync(join(dir, "runs", r.id, "summary.json"), JSON.stringify({ scenario: "hand", metrics: {} }));
  }
  return dir;
}

test("a sweep report plots each varying metric against each axis, lists failures, and flags identical replications", (t) => {
  const html = report(handMade());
  t.regex(html, /<h1>Sweep: hand<\/h1>/);
  // m.speed and m.echo vary between points; m.fixed varies only within points (sd > 0): all three are plotted.
  const captions = [...html.matchAll(/<figcaption>([^<]*)<\/figcaption>/g)].map((m) => m[1]);
  t.deepEqual(captions.sort(), ["m.echo against a", "m.echo against b", "m.fixed against a", "m.fixed against b", "m.speed against a", "m.speed against b"]);
  // One line per value of the other axis: two lines (and two legend entries) per plot.
  const speedA = html.split("<figcaption>m.speed against a")[0].split("<figure").pop()!;
  t.is((speedA.match(/class="line"/g) ?? []).length, 2);
  t.is((speedA.match(/class="error"/g) ?? []).length, 4);
  t.regex(speedA, />b=&quot;x&quot;</);
  t.regex(html, /Notice: replications are identical \(standard deviation 0\) at every point for 1 metric: m\.echo\./);
  t.notRegex(html, /every metric came out identical/);
  t.regex(html, /<td class="k">p003-r01<\/td><td class="k">boom, at t = 3<\/td>/);
  // The grid: four points, each with links to the runs that have a folder.
  t.is((html.match(/<a href="runs\/p00\d-r0\d\/summary\.json"/g) ?? []).length, 7);
  t.regex(html, /r1 failed/);
});

test("a sweep whose replications are all identical says so", (t) => {
  const dir = handMade();
  const rows = parseCsv(toCsv([["point", "a", "b", "metric", "n", "mean", "sd", "ci95_lo", "ci95_hi"], [0, 1, '"x"', "m.echo", 2, 1, 0, 1, 1], [1, 1, '"y"', "m.echo", 2, 1, 0, 1, 1]]));
  writeFileSync(join(dir, "summary.csv"), toCsv(rows));
  t.regex(report(dir), /every metric came out identical in every replication/);
});

(hasChromium ? test : test.skip)("a real sweep's report renders in Chromium: plots have size, every link resolves, no console errors", async (t) => {
  const dir = tempDir();
  const file = join(dir, "s.json");
  writeFileSync(file, JSON.stringify({ name: "queue-sweep", seed: 7, duration: 400, workloads: [{ kind: "mm1", id: "q", arrivalRate: 0.5, serviceRate: 1 }] }));
  const out = join(dir, "out");
  const recs = await sweep({ file, out, grid: [{ path: "workloads.0.arrivalRate", values: [0.3, 0.7] }, { path: "workloads.0.serviceRate", values: [1, 2] }], reps: 2, jobs: 2 });
  t.true(recs.every((r) => r.ok));
  t.true(existsSync(join(out, "index.html")));
  const { chromium: pw } = await import("playwright-core");
  const browser = await pw.launch({ executablePath: chromium, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(join(out, "index.html")).href);
    const sizes = await page.$$eval("figure.sweep-plot svg", (els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.width, r.height]));
    // q.mean_sojourn_s and others vary with both rates: at least one plot per axis.
    t.true(sizes.length >= 2);
    for (const [w, h] of sizes) t.true(w > 0 && h > 0);
    const links = await page.$$eval("table.grid a", (as) => as.map((a) => (a as HTMLAnchorElement).href));
    t.is(links.length, 8, "a link per run");
    for (const href of links) t.true(existsSync(new URL(href)), href);
    // A run's own report opens too.
    await page.goto(links[0]);
    t.regex(await page.title(), /queue-sweep/);
    t.deepEqual(errors, []);
    if (process.env.VIRTUOSO_SCREENSHOT) {
      await page.goto(pathToFileURL(join(out, "index.html")).href);
      const shot = join(root, "results", "sweep-report.png");
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot, fullPage: false });
    }
    await page.close();
  } finally {
    await browser.close();
  }
});
