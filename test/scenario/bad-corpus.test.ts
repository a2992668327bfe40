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

/** At most `n` commands at once across this file's concurrent tests. */
const n = 3;
let running = 0;
const waiting: (() => void)[] = [];
async function limited<T>(job: () => Promise<T>): Promise<T> {
  if (running >= n) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await job();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

test("the corpus's bases are valid and run, so each case is broken by its one mutation alone", (t) => {
  for (const base of [wan, rt, explicit]) {
    const s = parseScenario(base(), { baseDir: root });
    t.true(runScenario(s).summary.simulated_s > 0, s.name);
  }
  t.true(runExperiment(parseScenario(experiment())).summary.events > 0);
});

test("the corpus covers at least 60 cases, one broken thing each, with distinct names", (t) => {
  t.true(badCases.length >= 60);
  t.is(new Set(badCases.map((c) => c.name)).size, badCases.length);
});

const dir = tempDir();
badCases.forEach((c, i) => {
  test(`bad scenario "${c.name}": validate, run and sweep exit 2 with a "path: message" line, no stack, no output`, async (t) => {
    const sub = join(dir, `c${i}`);
    mkdirSync(sub);
    const file = join(sub, "s.json");
    writeFileSync(file, c.text ?? JSON.stringify(c.doc));
    for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(sub, name), text);
    const expected = c.path.replace("FILE", file);
    await Promise.all(["validate", "run", "sweep"].map(async (cmd) => {
      const out = join(sub, `out-${cmd}`);
      const args = cmd === "validate" ? [cmd, file] : [cmd, file, "--out", out, "-q", ...(cmd === "sweep" ? ["--jobs", "1"] : [])];
      const r = await limited(() => cliAsync(args));
      const what = `${cmd}:\n${r.stderr.slice(0, 2000)}`;
      t.is(r.code, 2, what);
      const lines = r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("warning: "));
      t.true(lines.length > 0 && lines.some((l) => l.startsWith(expected)), `${what}\nexpected a line starting with: ${expected}`);
      t.false(/^\s+at /m.test(r.stderr) || /internal error/.test(r.stderr), what);
      t.true(lines.every((l) => l.length < 1000), "a problem line echoes a huge value");
      t.false(existsSync(out), `${cmd} left ${out}`);
    }));
  });
});
