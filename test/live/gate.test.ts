import test from "ava";
import { gate } from "./gate.js";

test("a live test runs when nothing is missing, skips where it cannot run, and fails instead under CI=1 as root", (t) => {
  t.is(gate(undefined, "1", 0), "run");
  t.is(gate(undefined, "", 1000), "run");
  t.is(gate("nft is not installed", "1", 0), "fail");
  t.is(gate("nft is not installed", "", 0), "skip");
  t.is(gate("needs root", "1", 1000), "skip");
  t.is(gate("needs root", "true", 0), "skip");
});
