import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runExperiment } from "../../sim/experiments/index.js";
import { runScenario } from "../../sim/runner/index.js";
import { parseScenario } from "../../sim/scenario/index.js";
import { root, tempDir } from "../helpers.js";
import { badCases, experiment, explicit, rt, wan } from "./bad-corpus.js";

const bin = join(root, "bin", "virtuoso.js");

function cliAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, CI: "1" } });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs `jobs` with at most `n` at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  }));
  return out;
}

test("the corpus's bases are valid and run, so each case is broken by its one mutation alone", (t) => {
  for (const base of [wan, rt, explicit]) {
    const s = parseScenario(base(), { baseDir: root });
    t.true(runScenario(s).summary.simulated_s > 0, s.name);
  }
  t.true(runExperiment(parseScenario(experiment())).summary.events > 0);
});

test(`${badCases.length} bad scenarios: validate, run and sweep each exit 2 with a "path: message" line, no stack and no output`, async (t) => {
  t.true(badCases.length >= 60);
  const dir = tempDir();
  const jobs: (() => Promise<void>)[] = [];
  badCases.forEach((c, i) => {
    const sub = join(dir, `c${i}`);
    mkdirSync(sub);
    const file = join(sub, "s.json");
    writeFileSync(file, c.text ?? JSON.stringify(c.doc));
    for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(sub, name), text);
    const expected = c.path.replace("FILE", file);
    for (const cmd of ["validate", "run", "sweep"]) {
      const out = join(sub, `out-${cmd}`);
      const args = cmd === "validate" ? [cmd, file] : [cmd, file, "--out", out, "-q", ...(cmd === "sweep" ? ["--jobs", "1"] : [])];
      jobs.push(async () => {
        const r = await cliAsync(args);
        const what = `${c.name} (${cmd}):\n${r.stderr.slice(0, 2000)}`;
        t.is(r.code, 2, what);
        const lines = r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("warning: "));
        t.true(lines.length > 0 && lines.some((l) => l.startsWith(expected)), `${what}\nexpected a line starting with: ${expected}`);
        t.false(/^\s+at /m.test(r.stderr) || /internal error/.test(r.stderr), what);
        t.true(lines.every((l) => l.length < 1000), `${c.name}: a problem line echoes a huge value`);
        t.false(existsSync(out), `${c.name} (${cmd}) left ${out}`);
      });
    }
  });
  await pool(jobs, 3);
});
