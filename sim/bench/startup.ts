/**
 * How long the command takes to start: `virtuoso --help` and `virtuoso validate` run from the
 * compiled build (what `npm install` makes) and, side by side in the same run, from the
 * TypeScript sources transpiled on the fly (VIRTUOSO_FROM_SOURCE=1). Medians of `reps` runs.
 */
import { spawnSync } from "node:child_process";
import { monotonicSeconds } from "../live/index.js";
import { projectRoot } from "../source/index.js";
import type { Bench, Figure } from "./bench.js";
import { round } from "./bench.js";
import { pathToFileURL } from "node:url";

// The launcher's own check, in plain JavaScript beside it (bin/stamp.js).
const { buildIsCurrent } = (await import(pathToFileURL(`${projectRoot}bin/stamp.js`).href)) as { buildIsCurrent(root: string): boolean };

const bin = `${projectRoot}bin/virtuoso.js`;
const demo = `${projectRoot}scenarios/demo.json`;

function seconds(args: string[], fromSource: boolean): number {
  const t0 = monotonicSeconds();
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: "ignore", env: { ...process.env, VIRTUOSO_FROM_SOURCE: fromSource ? "1" : "0" } });
  const t = monotonicSeconds() - t0;
  if (r.status !== 0) throw new Error(`virtuoso ${args.join(" ")} exited ${r.status}`);
  return t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export const startup: Bench = {
  name: "startup",
  description: "wall time of `virtuoso --help` and `virtuoso validate scenarios/demo.json`, from the build and from the sources, alternated in one run (medians)",
  params: { reps: 5 },
  unavailable: () => (buildIsCurrent(projectRoot) ? undefined : "no current build; run `npm run build` first"),
  run(p) {
    const cases: [string, string[]][] = [["help", ["--help"]], ["validate", ["validate", demo]]];
    const out: Figure[] = [];
    for (const [name, args] of cases) {
      const built: number[] = [];
      const source: number[] = [];
      for (let i = 0; i < p.reps; i++) {
        built.push(seconds(args, false));
        source.push(seconds(args, true));
      }
      out.push({ name: `startup.${name}`, value: round(median(built)), unit: "s" });
      out.push({ name: `startup.${name}_from_source`, value: round(median(source)), unit: "s" });
    }
    return out;
  },
};
