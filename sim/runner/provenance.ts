/**
 * Where a result came from: the tool's version, the git commit when it runs from a checkout,
 * the command line (without options that only say where output goes or how it is shown), and
 * the scenario's content hash. All of it is the same when the same command is rerun, so
 * reruns stay byte-identical; wall time and dates are kept out of it.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { projectRoot } from "../source/index.js";
import type { Scenario } from "../scenario/index.js";

export interface Provenance {
  tool: string;
  version: string;
  git_commit?: string;
  command?: string;
  scenario_sha256: string;
}

const root = projectRoot;

export const toolVersion: string = (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string }).version;

let commit: string | null | undefined;
/** HEAD of the checkout the tool runs from; undefined outside one. */
export function gitCommit(): string | undefined {
  if (commit === undefined) {
    commit = null;
    if (existsSync(`${root}.git`)) {
      try {
        commit = execFileSync("git", ["-C", root, "rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 }).trim() || null;
      } catch {
        commit = null;
      }
    }
  }
  return commit ?? undefined;
}

/** SHA-256 of the resolved scenario (defaults filled, overrides applied): what the run simulated. */
export function scenarioHash(s: Scenario): string {
  return createHash("sha256").update(JSON.stringify(s)).digest("hex");
}

/** Options that change where output goes or how progress shows, never what is computed. */
const presentational = new Map([["--out", 1], ["-o", 1], ["--force", 0], ["--quiet", 0], ["-q", 0], ["--jobs", 1]]);

/** The command line as `virtuoso ARGS`, without presentational options. */
export function commandLine(argv: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const skip = presentational.get(name);
    if (skip === undefined) kept.push(/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
    else if (skip === 1 && eq < 0) i++;
  }
  return ["virtuoso", ...kept].join(" ");
}

export function provenance(s: Scenario, argv?: readonly string[]): Provenance {
  const git = gitCommit();
  return { tool: "virtuoso", version: toolVersion, ...(git ? { git_commit: git } : {}), ...(argv ? { command: commandLine(argv) } : {}), scenario_sha256: scenarioHash(s) };
}
