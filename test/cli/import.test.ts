import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/virtuoso.js", import.meta.url));
const star = fileURLToPath(new URL("../platform/simgrid/platforms/star.xml", import.meta.url));
const virtuoso = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

test("import simgrid writes a scenario that validates and names the file relative to itself", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "import-"));
  const out = join(dir, "star.json");
  const r = virtuoso("import", "simgrid", star, "--out", out, "--model", "cm02");
  t.is(r.status, 0, r.stderr);
  const s = JSON.parse(readFileSync(out, "utf8"));
  t.deepEqual(s.platform.hosts.map((h: { id: string }) => h.id), ["h0", "h1", "h2", "h3", "h4"]);
  t.is(s.platform.network.model, "cm02");
  t.is(join(dir, s.platform.network.topology.file), star);
  t.is(virtuoso("validate", out).status, 0);
});

test("import simgrid refuses an unsupported file with the element's path and exit 2", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "import-"));
  const bad = join(dir, "bad.xml");
  writeFileSync(bad, `<?xml version='1.0'?>\n<platform version="4.1"><zone id="z" routing="Full"><bypassRoute src="a" dst="b"/></zone></platform>\n`);
  const r = virtuoso("import", "simgrid", bad);
  t.is(r.status, 2);
  t.regex(r.stderr, /platform\[0\]\/zone\[z\]\/bypassRoute\[a->b\]: <bypassRoute> is not supported/);
  t.is(virtuoso("import", "ns3", bad).status, 2);
});
