/** A `live --cluster` run of a scenario file on a testbed, for the VADAPT tests on QEMU VMs: where the VMs ran, and its CSVs. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { agentQemus, cli, type Bed } from "./cluster-bed.js";

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

/** One live run to its end; where the VMs ran once `migrations` migrations were reported done. */
export async function liveRun(bed: Bed, sfile: string, out: string, hosts: string[], migrations = 1) {
  const run = spawn(process.execPath, [cli, "live", "--cluster", bed.file, sfile, "--out", out], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  run.stderr!.on("data", (d) => (err += d));
  let placed: Record<string, string> | undefined;
  const watch = setInterval(() => {
    if (!placed && (err.match(/migration of \w+: \w+ -> \w+ done/g) ?? []).length >= migrations) placed = qemuHosts(bed, hosts);
  }, 100);
  try {
    const code = await new Promise((r) => (run.exitCode !== null ? r(run.exitCode) : run.once("exit", r)));
    return { code, err, placed };
  } finally {
    clearInterval(watch);
    if (run.exitCode === null) run.kill("SIGTERM");
  }
}
