/** A `live --cluster` run of a scenario file on a testbed, for the VADAPT tests on QEMU VMs: where the VMs ran, and its CSVs. */
import type { ExecutionContext } from "ava";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { agentQemus, cli, leftovers, type Bed } from "./cluster-bed.js";
import { poll } from "./poll.js";

/** A CSV's rows as records (the tests' tables hold no quoted commas). */
export const records = (file: string) => {
  const [head, ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const keys = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [keys[i], v])));
};

/** Namespaces this bed's QEMU VMs run in, by VM (other beds' are not ours). */
export function qemuHosts(bed: Bed, hosts: string[]): Record<string, string> {
  const ours = new Set(hosts.map((h) => bed.ns(h)));
  return Object.fromEntries(agentQemus().filter((q) => ours.has(q.ns)).map((q) => [q.vm, q.ns]));
}

/** One live run to its end; where the VMs ran after the last migration reported done. */
export async function liveRun(bed: Bed, sfile: string, out: string, hosts: string[]) {
  const run = spawn(process.execPath, [cli, "live", "--cluster", bed.file, sfile, "--out", out], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  run.stderr!.on("data", (d) => (err += d));
  let placed: Record<string, string> | undefined;
  let seen = 0;
  const watch = setInterval(() => {
    const done = (err.match(/migration of \w+: \w+ -> \w+ done/g) ?? []).length;
    if (done > seen && run.exitCode === null) (seen = done), (placed = qemuHosts(bed, hosts));
  }, 100);
  try {
    const code = await new Promise((r) => (run.exitCode !== null ? r(run.exitCode) : run.once("exit", r)));
    return { code, err, placed };
  } finally {
    clearInterval(watch);
    if (run.exitCode === null) run.kill("SIGTERM");
  }
}

/**
 * A live run that may be tried twice: under TCG a migrated guest may still die at the
 * destination (QEMU's dirty tracking; see guestCommandLine), which the run logs as a failed
 * migration and the loop does not retry; then, once the first run is undone, one more run.
 * `onRetry` is called before it (to reset what the caller watches).
 */
export async function liveRunTwice(t: ExecutionContext, bed: Bed, sfile: string, tmp: string, hosts: string[], onRetry = () => {}) {
  let out = join(tmp, "live1");
  let r = await liveRun(bed, sfile, out, hosts);
  if (r.code === 0 && /migration of \w+ to \w+ failed/.test(r.err)) {
    t.log(`first run: ${r.err.split("\n").find((l) => l.includes("failed"))?.slice(0, 300)}`);
    await poll("the first run to be undone", () => hosts.every((h) => leftovers(bed.ns(h)) === "") && Object.keys(qemuHosts(bed, hosts)).length === 0, 20, 50);
    onRetry();
    out = join(tmp, "live2");
    r = await liveRun(bed, sfile, out, hosts);
  }
  return { ...r, out };
}

/** The same scenario simulated into `simOut`; the live run's decisions, with the simulator's columns, and those applied (at least one). */
export function appliedBesideSim(t: ExecutionContext, sfile: string, out: string, simOut: string) {
  const sim = spawnSync(process.execPath, [cli, "run", sfile, "--out", simOut], { encoding: "utf8" });
  t.is(sim.status, 0, sim.stderr);
  const header = (f: string) => readFileSync(f, "utf8").split("\n")[0];
  t.is(header(join(out, "adapt.decisions.csv")), header(join(simOut, "adapt.decisions.csv")));
  const decisions = records(join(out, "adapt.decisions.csv"));
  const applied = decisions.filter((d) => d.applied === "1");
  t.true(applied.length >= 1, decisions.map((d) => JSON.stringify(d)).join("\n"));
  return applied;
}

/** Bytes sent on a device of a namespace (0 when it is not there). */
export function txBytes(ns: string, dev: string): number {
  try {
    const [l] = JSON.parse(execFileSync("ip", ["-n", ns, "-s", "-j", "link", "show", dev], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as { stats64: { tx: { bytes: number } } }[];
    return l.stats64.tx.bytes;
  } catch {
    return 0;
  }
}
