import test from "ava";
import { join } from "node:path";
import { cli, readOutput, tempDir } from "../helpers.js";

test("figures regenerates named paper figures, and rendering twice gives identical files", (t) => {
  const dir = tempDir();
  const names = ["vnet-lan-latency", "vsched-mix", "wren-accuracy"];
  t.is(cli("figures", ...names, "--out", join(dir, "a"), "-q").code, 0);
  t.is(cli("figures", ...names, "--out", join(dir, "b"), "-q").code, 0);
  for (const n of names) {
    const a = readOutput(join(dir, "a", n)), b = readOutput(join(dir, "b", n));
    t.true(Object.keys(a).some((f) => f.endsWith(".svg") || f.endsWith(".csv")), n);
    t.deepEqual(a, b, n);
  }
  const bad = cli("figures", "no-such-figure");
  t.is(bad.code, 2);
  t.regex(bad.stderr, /unknown figure "no-such-figure"/);
});
