/**
 * Regenerates reference.json: runs every case of cases.ts through SimGrid.
 *   g++ -O1 -std=c++17 test/platform/simgrid/flows.cpp -o /tmp/sg-flows -lsimgrid
 *   node --import=./bin/register.js test/platform/simgrid/make-reference.ts /tmp/sg-flows
 * (SimGrid 3.32, Debian's libsimgrid-dev.)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BYTES, caseName, cases, hosts, pairs, simgridConfig, simgridPlatform } from "./cases.js";

const program = process.argv[2] ?? "/tmp/sg-flows";
const dir = mkdtempSync(join(tmpdir(), "sg-"));
const out: Record<string, number[]> = {};
for (const c of cases()) {
  const names = hosts(c);
  writeFileSync(join(dir, "p.xml"), simgridPlatform(c));
  writeFileSync(join(dir, "f.txt"), pairs(c).map(([s, d]) => `${names[s]} ${names[d]} ${BYTES}`).join("\n") + "\n");
  const text = execFileSync(program, [join(dir, "p.xml"), join(dir, "f.txt"), ...simgridConfig(c), "--log=root.thres:critical"], { encoding: "utf8" });
  out[caseName(c)] = text.trim().split("\n").map((l) => Number(l.split(" ")[1]));
  process.stderr.write(`${caseName(c)}: ${out[caseName(c)].length} transfers\n`);
}
writeFileSync(new URL("./reference.json", import.meta.url), JSON.stringify(out) + "\n");
