/**
 * Wren live across namespace hosts: a BSP ring whose every edge crosses a tbf-shaped WAN; Wren,
 * fed only the ranks' own messages (sender's start, receiver's last byte), estimates the WAN
 * path in both directions near the rate the application can get through it.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { liveTest } from "./gate.js";
import { bedUnavailable, cli, leftovers, startBed, vmLeftovers, type Bed } from "./cluster-bed.js";

const M = 65536;
const WAN = 2.5e6;
/**
 * What the application can get through the WAN: tbf counts whole underlay frames, and a
 * full TCP segment (MSS 1448 under the overlay's 1500-byte MTU, timestamps on) travels as a
 * 1564-byte frame (TCP 32, IP 20, Ethernet 14, VXLAN 8, UDP 8, IP 20, Ethernet 14).
 */
const GOODPUT = (WAN * 1448) / 1564;
/** Tolerance: acknowledgements share each direction with the other's data (~4%), and the ranks' timestamps are taken on a loaded machine. */
const TOL = 0.15;
const scenario = (duration: number, supersteps: number) => ({
  name: "cluster-wren", seed: 1, duration,
  platform: {
    hosts: [{ id: "a" }, { id: "p" }, { id: "b" }],
    network: { topology: { kind: "two-sites", siteA: ["a", "p"], lan: { bandwidth: 125e6, latency: 1e-4 }, wan: { bandwidth: WAN, latency: 0.01 } } },
    overlay: { enabled: true, mode: "star", proxy: "p" },
  },
  vms: [{ id: "r0", host: "a" }, { id: "r1", host: "b" }, { id: "r2", host: "a" }, { id: "r3", host: "b" }],
  workloads: [{ kind: "bsp", id: "app", vms: ["r0", "r1", "r2", "r3"], pattern: "ring", messageBytes: M, computeOps: 1e6, supersteps }],
  policies: { vttif: { enabled: true, interval: 1, window: 2, damping: 2 }, wren: { enabled: true } },
});

let bed: Bed | undefined;
const why = bedUnavailable();
const tmp = mkdtempSync(join(tmpdir(), "vt-wren-"));

test.after.always(async () => {
  await bed?.stop();
});

liveTest("Wren, from the ranks' own messages, estimates a tbf-shaped WAN within 15% of what TCP gets through it, both ways", why, async (t) => {
  bed = await startBed(scenario(30, 1e6));
  const sfile = join(tmp, "wren.json");
  writeFileSync(sfile, JSON.stringify(scenario(8, 1e6)));
  const out = join(tmp, "wren");
  const run = spawn(process.execPath, [cli, "live", "--cluster", bed.file, sfile, "--out", out], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  run.stderr!.on("data", (d) => (err += d));
  const code = await new Promise((r) => (run.exitCode !== null ? r(run.exitCode) : run.once("exit", r)));
  t.is(code, 0, err);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  const steps = summary.metrics.app.supersteps;
  t.true(steps > 20, `${steps} supersteps`);
  const paths = summary.metrics.wren.paths as { src: string; dst: string; bandwidth: number; latency: number | null; samples: number }[];
  // Only the WAN's two directions carried the ring (its ranks on a and b; the Proxy runs none).
  t.deepEqual(paths.map((p) => `${p.src}>${p.dst}`), ["a>b", "b>a"]);
  for (const p of paths) {
    t.true(p.samples >= 5, `${p.src}>${p.dst}: ${p.samples} samples`);
    t.log(`${p.src}>${p.dst}: ${Math.round(p.bandwidth)} B/s, ${(p.bandwidth / GOODPUT).toFixed(3)} of the goodput, ${p.samples} samples`);
    t.true(Math.abs(p.bandwidth / GOODPUT - 1) < TOL, `${p.src}>${p.dst}: ${p.bandwidth} B/s estimated, ${GOODPUT} B/s of TCP payload fit the ${WAN} B/s WAN`);
  }
  // Every message received is one observation: two WAN crossings each way per superstep. The
  // ranks run on while the last reads are made, a superstep or two apart.
  t.true(summary.metrics.wren.observed >= 4 * (steps - 2) && summary.metrics.wren.observed <= 4 * (steps + 2), `${summary.metrics.wren.observed} observations for ${steps} supersteps`);
  const rows = readFileSync(join(out, "wren.estimates.csv"), "utf8").trim().split("\n");
  t.is(rows[0], "t,src,dst,bandwidth,latency,samples,age");
  t.true(rows.length > 4, "the table is written every export interval");
  for (const h of ["a", "p", "b"]) t.is(leftovers(bed.ns(h)), "", `nothing of the run is left on ${h}`);
  t.is(vmLeftovers(bed!), "");
});
