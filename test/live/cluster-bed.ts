/** A namespace cluster testbed for tests: `virtuoso cluster testbed` in the background, its agents' log, and what is left in the kernel. */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { which } from "../../sim/live/backends.js";
import { NFT } from "../../sim/live/nftap.js";
import { poll } from "./poll.js";
import { theGuest } from "./vm-env.js";
import { probeQemu } from "../../sim/live/vm/index.js";

export const cli = join(process.cwd(), "bin/virtuoso.js");

/** Why a cluster testbed cannot run here (undefined: it can). */
export function bedUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces, bridges, VXLAN)";
  for (const c of ["ip", "tc", "openssl", "setpriv", "bridge"]) if (!which(c)) return `${c} is not installed`;
  if (!NFT) return "nft (nftables) is not installed";
  try {
    execFileSync("ip", ["link", "add", "vtprobe0", "type", "vxlan", "id", "9", "dstport", "4789", "local", "127.0.0.1"], { stdio: "ignore" });
    execFileSync("ip", ["link", "del", "vtprobe0"], { stdio: "ignore" });
  } catch {
    return "this kernel has no VXLAN";
  }
  return undefined;
}

/** Why a testbed with QEMU VMs cannot run here (undefined: it can); `chrt` too where the test reads the vCPU threads' classes. */
export function qemuBedUnavailable(o: { chrt?: boolean } = {}): string | undefined {
  return (
    bedUnavailable() ??
    probeQemu() ??
    (o.chrt && !which("chrt") ? "chrt (util-linux) is not installed" : undefined) ??
    (existsSync("/dev/net/tun") ? undefined : "/dev/net/tun is missing: the guests' taps need the tun module") ??
    theGuest().why
  );
}

export interface Bed {
  dir: string;
  file: string;
  proc: ChildProcess;
  /** Its stdout (the ready line). */
  out(): string;
  log(): string;
  /** Host namespaces by host id (from the cluster file's agent addresses: host k is vth<tag><k>). */
  ns(host: string): string;
  stop(): Promise<void>;
}

export async function startBed(scenario: object, silence = 5): Promise<Bed> {
  const tmp = mkdtempSync(join(tmpdir(), "vt-bed-"));
  const sfile = join(tmp, "scenario.json");
  writeFileSync(sfile, JSON.stringify(scenario));
  const dir = join(tmp, "cluster");
  const proc = spawn(process.execPath, [cli, "cluster", "testbed", sfile, dir, "--silence", String(silence)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (err += d));
  await poll("the testbed's agents", () => out.includes("ready") || proc.exitCode !== null, 120, 100);
  if (!out.includes("ready")) throw new Error(`testbed failed: ${err}`);
  const tag = (proc.pid! % 0xffff).toString(16);
  const cluster = JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8")) as { hosts: { id: string }[] };
  return {
    dir,
    file: join(dir, "cluster.json"),
    proc,
    out: () => out,
    log: () => err,
    ns: (h) => `vth${tag}${cluster.hosts.findIndex((x) => x.id === h) + 1}`,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await poll("the testbed to end", () => proc.exitCode !== null || proc.signalCode !== null, 60, 100);
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** What a run may have made in a host namespace: its links, nftables tables, and VM namespaces anywhere. */
export function leftovers(ns: string): string {
  const links = execFileSync("ip", ["-n", ns, "-br", "link"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n").map((l) => l.split(/\s+/)[0].split("@")[0]).filter((n) => /^vt/.test(n));
  const tables = execFileSync("ip", ["netns", "exec", ns, NFT!, "list", "tables"], { encoding: "utf8" }).split("\n").filter((l) => l.includes("virtuoso"));
  return [...links, ...tables].sort().join(",");
}

function processes(): { pid: number; ppid: number; cmd: string }[] {
  const out: { pid: number; ppid: number; cmd: string }[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      out.push({ pid: Number(d), ppid: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]), cmd: readFileSync(`/proc/${d}/cmdline`, "utf8") });
    } catch {
      // Gone.
    }
  }
  return out;
}

/** This bed's VM namespaces (ip netns, named after their agent) and rank processes (children of its agents, from /proc). */
export function vmLeftovers(bed: Bed): string {
  const procs = processes();
  const agents = new Set(procs.filter((p) => p.cmd.includes(bed.file) && p.cmd.includes("agent")).map((p) => p.pid));
  const nss = execFileSync("ip", ["netns", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n").map((l) => l.split(" ")[0]).filter((n) => [...agents].some((a) => new RegExp(`^vt${a}v\\d+$`).test(n)));
  const ranks = procs.filter((p) => agents.has(p.ppid) && /bsp-rank\.[jt]s/.test(p.cmd)).map((p) => `rank ${p.pid}`);
  return [...nss, ...ranks].join(",");
}

/**
 * The agents' QEMU processes (their -name is virtuoso-agent-PID-VM-K), each with the namespace
 * it runs in and its vCPU threads (comm "CPU n/...").
 */
export function agentQemus(): { pid: number; vm: string; ns: string; vcpus: number[] }[] {
  const out: { pid: number; vm: string; ns: string; vcpus: number[] }[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
      const name = cmd[cmd.indexOf("-name") + 1];
      const m = cmd[0].includes("qemu-system") && name ? /^virtuoso-agent-\d+-(\w+)-\d+,/.exec(name) : null;
      if (!m) continue;
      const vcpus = readdirSync(`/proc/${d}/task`).map(Number).filter((t) => /^CPU \d+\//.test(readFileSync(`/proc/${d}/task/${t}/comm`, "utf8")));
      out.push({ pid: Number(d), vm: m[1], ns: spawnSync("ip", ["netns", "identify", d], { encoding: "utf8" }).stdout.trim(), vcpus });
    } catch {
      // Gone.
    }
  }
  return out;
}
