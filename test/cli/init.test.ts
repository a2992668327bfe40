import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { cli, root, tempDir } from "../helpers.js";

test("init writes a starter scenario whose schema reference resolves, that validates and runs, and never overwrites unasked", (t) => {
  const dir = tempDir();
  const file = join(dir, "two-site.json");
  const r = cli("init", file);
  t.is(r.code, 0, r.stderr);
  const doc = JSON.parse(readFileSync(file, "utf8"));
  t.is(doc.name, "two-site");
  t.is(resolve(dirname(file), doc.$schema), join(root, "scenarios", "scenario.schema.json"));
  t.true(existsSync(resolve(dirname(file), doc.$schema)));
  const out = join(dir, "out");
  const run = cli("run", file, "--out", out, "-q");
  t.is(run.code, 0, run.stderr);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  // The ring it describes is what it runs, and VTTIF sees it.
  t.true(summary.metrics.app.finished);
  t.is(summary.metrics.vttif.topology, "ring");
  t.true(existsSync(join(out, "topology.svg")));
  const again = cli("init", file);
  t.is(again.code, 2);
  t.regex(again.stderr, /exists; pass --force/);
  t.is(cli("init", join(dir, "9bad")).code, 2);
});
