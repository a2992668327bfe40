/**
 * Crash safety for live runs: every resource a run creates is written to its journal on disk
 * (and synced) before it is created. Undoing a journal removes whatever of it still exists;
 * a run undoes its own on exit, and `virtuoso live --cleanup` (and every new run) undoes the
 * journals of runs that died. What is undone is checked against the kernel (a task is only
 * touched if its id and start time both match), so a stale journal cannot hit a stranger.
 */
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { NFT } from "./nftap.js";
import { endDeadline } from "./backends.js";
import { sameTask, startTime } from "./vm/threads.js";

export type Entry =
  /** A process: by id once started; by a mark in its command line before it exists. */
  | { kind: "process"; pid: number; start: number }
  | { kind: "process"; mark: string }
  /** A task whose scheduling class is changed (back to SCHED_OTHER). */
  | { kind: "sched"; tid: number; start: number }
  | { kind: "cgroup"; path: string }
  /** An nftables table, in the root namespace or in the named `netns` (a host agent's). */
  | { kind: "nft"; family: string; table: string; netns?: string }
  /** A network link (tap or bridge), in the root namespace or in the named `netns`. */
  | { kind: "link"; name: string; netns?: string }
  /** A link someone else made, set up for a run (a lightpath's end): set down again. */
  | { kind: "up"; name: string; netns?: string }
  /** A named network namespace (ip netns): deleting it removes its links and their peers. */
  | { kind: "netns"; name: string }
  | { kind: "dir"; path: string };

type Owner = { kind: "owner"; pid: number; start: number };

/** Where journals live: $VIRTUOSO_STATE_DIR, else /run/virtuoso (cleared at boot, as they should be). */
export const stateDir = (): string => process.env.VIRTUOSO_STATE_DIR ?? "/run/virtuoso";

export class Journal {
  private readonly fd: number;
  private undone = false;
  readonly file: string;

  constructor(dir = stateDir()) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `live-${process.pid}.jsonl`);
    this.fd = openSync(this.file, "w");
    this.write({ kind: "owner", pid: process.pid, start: startTime(process.pid) ?? 0 });
  }

  /** Records `e` durably; call before creating what it names. */
  add(e: Entry): void {
    this.write(e);
  }

  /** Records a started process under its id and start time. */
  process(pid: number): void {
    const start = startTime(pid);
    if (start !== undefined) this.write({ kind: "process", pid, start });
  }

  /** Undoes everything journaled and removes the journal. */
  undo(): string[] {
    if (this.undone) return [];
    this.undone = true;
    closeSync(this.fd);
    return undoFile(this.file);
  }

  private write(e: Entry | Owner): void {
    writeSync(this.fd, JSON.stringify(e) + "\n");
    fsyncSync(this.fd);
  }
}

/**
 * Undoes the journals of runs that are no longer alive; returns one line per thing removed.
 * In the state folder itself, also those of this machine's host agents (agent-*): an agent
 * killed with its run leaves its journal there.
 */
export function cleanupDead(dir = stateDir()): string[] {
  if (!existsSync(dir)) return [];
  const done: string[] = [];
  if (dir === stateDir()) for (const d of readdirSync(dir).filter((n) => n.startsWith("agent-")).sort()) if (statSync(join(dir, d)).isDirectory()) done.push(...cleanupDead(join(dir, d)));
  for (const f of readdirSync(dir).filter((n) => /^live-\d+\.jsonl$/.test(n)).sort()) {
    const file = join(dir, f);
    const owner = read(file)[0] as Owner | undefined;
    if (owner?.kind === "owner" && sameTask(owner.pid, owner.start)) continue;
    done.push(...undoFile(file));
  }
  return done;
}

function read(file: string): (Entry | Owner)[] {
  const out: (Entry | Owner)[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    try {
      if (line.trim()) out.push(JSON.parse(line));
    } catch {
      // A line cut short by a crash: nothing was created after it.
    }
  }
  return out;
}

function undoFile(file: string): string[] {
  const entries = read(file).filter((e): e is Entry => e.kind !== "owner");
  const done: string[] = [];
  const attempt = (what: string, fn: () => boolean) => {
    try {
      if (fn()) done.push(what);
    } catch {
      // Already gone, or cannot be undone; keep undoing the rest.
    }
  };
  // Processes first: their end also ends their scheduling classes and empties their groups.
  const pids = new Set<number>();
  for (const e of entries) {
    if (e.kind !== "process") continue;
    if ("pid" in e) {
      if (sameTask(e.pid, e.start)) pids.add(e.pid);
    } else for (const pid of withMark(e.mark)) pids.add(pid);
  }
  for (const pid of pids) {
    attempt(`process ${pid}`, () => {
      process.kill(pid, "SIGKILL");
      process.kill(pid, "SIGCONT");
      return true;
    });
  }
  waitGone([...pids]);
  for (const e of [...entries].reverse()) {
    if (e.kind === "sched") attempt(`SCHED_OTHER for task ${e.tid}`, () => sameTask(e.tid, e.start) && (endDeadline(e.tid), true));
    else if (e.kind === "cgroup") attempt(`cgroup ${e.path}`, () => removeCgroup(e.path));
    else if (e.kind === "nft" && e.netns) attempt(`nftables table ${e.family} ${e.table} in ${e.netns}`, () => !!NFT && existsSync(`/run/netns/${e.netns}`) && (execFileSync("ip", ["netns", "exec", e.netns!, NFT, "delete", "table", e.family, e.table], { stdio: "ignore" }), true));
    else if (e.kind === "nft") attempt(`nftables table ${e.family} ${e.table}`, () => !!NFT && (execFileSync(NFT, ["delete", "table", e.family, e.table], { stdio: "ignore" }), true));
    else if (e.kind === "link" && e.netns) attempt(`link ${e.name} in ${e.netns}`, () => existsSync(`/run/netns/${e.netns}`) && (execFileSync("ip", ["-n", e.netns!, "link", "del", e.name], { stdio: "ignore" }), true));
    else if (e.kind === "link") attempt(`link ${e.name}`, () => existsSync(`/sys/class/net/${e.name}`) && (execFileSync("ip", ["link", "del", e.name], { stdio: "ignore" }), true));
    else if (e.kind === "up") attempt(`link ${e.name} down${e.netns ? ` in ${e.netns}` : ""}`, () => (!e.netns || existsSync(`/run/netns/${e.netns}`)) && (execFileSync("ip", [...(e.netns ? ["-n", e.netns] : []), "link", "set", e.name, "down"], { stdio: "ignore" }), true));
    else if (e.kind === "netns") attempt(`network namespace ${e.name}`, () => existsSync(`/run/netns/${e.name}`) && (execFileSync("ip", ["netns", "del", e.name], { stdio: "ignore" }), true));
    // A folder may hold the journals of runs started on our behalf (a testbed's agents): those first.
    else if (e.kind === "dir") attempt(`directory ${e.path}`, () => existsSync(e.path) && (done.push(...cleanupDead(e.path)), rmSync(e.path, { recursive: true, force: true }), true));
  }
  unlinkSync(file);
  return done;
}

/** Processes whose command line contains `mark`. */
export function withMark(mark: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(mark)) out.push(Number(d));
    } catch {
      // Gone.
    }
  }
  return out;
}

/** Waits (briefly, synchronously: this runs in exit paths) until killed processes are gone. */
function waitGone(pids: number[]): void {
  const end = Date.now() + 3000;
  const alive = (p: number) => {
    try {
      // A zombie is gone for our purposes: it holds no CPU, class or group.
      return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, "utf8"));
    } catch {
      return false;
    }
  };
  while (pids.some(alive) && Date.now() < end) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
}

/** Removes a cgroup and its children, deepest first, moving any task left to the root. */
function removeCgroup(path: string): boolean {
  if (!existsSync(path)) return false;
  for (const d of readdirSync(path)) {
    const sub = join(path, d);
    if (statSync(sub).isDirectory()) removeCgroup(sub);
  }
  const root = cgroupMount(path);
  for (const f of ["tasks", "cgroup.procs"]) {
    if (!existsSync(join(path, f)) || !root) continue;
    for (const id of readFileSync(join(path, f), "utf8").split("\n").filter(Boolean)) {
      try {
        execFileSync("sh", ["-c", `echo ${Number(id)} > ${root}/${f}`], { stdio: "ignore" });
      } catch {
        // Exited meanwhile.
      }
    }
  }
  execFileSync("rmdir", [path], { stdio: "ignore" });
  return true;
}

/** The mount point of the cgroup hierarchy `path` is in. */
function cgroupMount(path: string): string | undefined {
  let best: string | undefined;
  for (const line of readFileSync("/proc/mounts", "utf8").split("\n")) {
    const [, mnt, type] = line.split(" ");
    if ((type === "cgroup" || type === "cgroup2") && (path === mnt || path.startsWith(mnt + "/")) && (!best || mnt.length > best.length)) best = mnt;
  }
  return best;
}
