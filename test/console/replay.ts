/**
 * What the console tests share: starting the console with a browser, checking that a steered
 * run's scenario, run again, gives the same files (summary.json's provenance command aside,
 * which names the other folder), and polling.
 */
import type { ExecutionContext } from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { join } from "node:path";
import { readOutput, root } from "../helpers.js";

const bin = join(root, "bin", "virtuoso.js");

export function assertReplayIdentical(t: ExecutionContext, out: string, replay: string): void {
  const r = spawnSync(process.execPath, [bin, "run", join(out, "scenario.json"), "-o", replay, "-q"], { encoding: "utf8" });
  t.is(r.status, 0, r.stderr);
  const a = readOutput(out), b = readOutput(replay);
  const strip = (s: string) => {
    const j = JSON.parse(s);
    delete j.provenance?.command;
    return JSON.stringify(j);
  };
  a["summary.json"] = strip(a["summary.json"]);
  b["summary.json"] = strip(b["summary.json"]);
  t.deepEqual(Object.keys(a), Object.keys(b));
  for (const k of Object.keys(a)) t.is(a[k], b[k], k);
}

export async function waitFor<T>(f: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The console's browser, as every console test launches it. */
export const chromium = "/usr/bin/chromium";
/** Why the console tests cannot run here, if they cannot. */
export const noChromium = existsSync(chromium) ? undefined : `${chromium} is not installed (apt-get install chromium)`;

/**
 * Runs `virtuoso console ARGS`, opens headless Chromium, waits for the console's URL and runs
 * `body`; the browser is closed and the console stopped (SIGINT) however it ends.
 */
export async function withConsole(args: string[], body: (url: string, browser: Browser) => Promise<void>): Promise<void> {
  const proc = spawn(process.execPath, [bin, "console", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  proc.stdout!.on("data", (d) => (stdout += d));
  const { chromium: pw } = await import("playwright-core");
  const browser = await pw.launch({ executablePath: chromium, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
  try {
    await body(await waitFor(() => /console: (http\S+)/.exec(stdout)?.[1], 60_000), browser);
  } finally {
    await browser.close();
    proc.kill("SIGINT");
  }
}
