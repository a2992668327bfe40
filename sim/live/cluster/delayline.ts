/**
 * The delay line (delayline.c): a link's one-way latency without netem. Built with gcc on first
 * use and cached by the source's hash ($VIRTUOSO_CACHE_DIR, else ~/.cache/virtuoso), started in
 * a namespace between two interfaces, journaled by a mark in its command line before it starts.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../../source/index.js";
import { which } from "../backends.js";
import type { Journal } from "../journal.js";

// Beside the sources, also when the command runs from the build in dist/.
export const delayLineSource = `${projectRoot}sim/live/cluster/delayline.c`;

const cacheDir = (): string => process.env.VIRTUOSO_CACHE_DIR ?? join(homedir(), ".cache/virtuoso");

/** Why no delay line can run here (undefined: one can). */
export function delayLineUnavailable(): string | undefined {
  if (existsSync(binaryPath())) return undefined;
  return which("gcc") ? undefined : "gcc is not installed (it builds sim/live/cluster/delayline.c)";
}

function binaryPath(): string {
  const hash = createHash("sha256").update(readFileSync(delayLineSource)).digest("hex").slice(0, 16);
  return join(cacheDir(), `delayline-${hash}`);
}

/** The compiled delay line, built unless cached. */
export function delayLineBinary(): string {
  const bin = binaryPath();
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  execFileSync("gcc", ["-O2", "-Wall", "-o", tmp, delayLineSource], { stdio: ["ignore", "ignore", "pipe"] });
  renameSync(tmp, bin);
  return bin;
}

export interface DelayLineSpec {
  /** The namespace the two middle interfaces are in. */
  ns: string;
  a: string;
  b: string;
  /** One-way delay, seconds (both directions). */
  delay: number;
  /** Frames each direction may hold before it drops new ones. */
  limit: number;
}

/** Turns checksum and segmentation offloads off on `dev` in `ns`: frames leave it whole, as the delay line must read them. */
export function offloadsOff(ns: string, dev: string): void {
  execFileSync("ip", ["netns", "exec", ns, delayLineBinary(), "-x", dev], { stdio: ["ignore", "ignore", "pipe"] });
}

export interface DelayLine {
  proc: ChildProcess;
  /** Resolves once both sockets are bound. */
  ready: Promise<void>;
  /** SIGTERM, then its counters (one JSON line), once it has exited. */
  stop(): Promise<string>;
}

/** The frames a direction must hold: twice the bandwidth-delay product in full frames, and some. */
export function delayLineLimit(bandwidth: number, delay: number): number {
  return Math.min(1_000_000, Math.max(1024, Math.ceil((2 * bandwidth * delay) / 1500) + 256));
}

export function startDelayLine(spec: DelayLineSpec, journal: Journal, log: (line: string) => void): DelayLine {
  const bin = delayLineBinary();
  const mark = `virtuoso-delayline:${spec.ns}:${spec.a}:${process.pid}`;
  journal.add({ kind: "process", mark });
  const args = ["-a", spec.a, "-b", spec.b, "-d", String(Math.round(spec.delay * 1e6)), "-l", String(spec.limit), "-m", mark];
  // pdeathsig: a SIGKILLed testbed takes its delay lines with it, as it does its agents.
  const proc = spawn("ip", ["netns", "exec", spec.ns, "setpriv", "--pdeathsig", "KILL", "--", bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  if (proc.pid) journal.process(proc.pid);
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => String(d).split("\n").filter(Boolean).forEach((l) => log(`delay line ${spec.a}: ${l}`)));
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (out.startsWith("ready\n")) resolve();
    };
    proc.stdout!.on("data", check);
    proc.once("exit", (c) => reject(new Error(`testbed: the delay line on ${spec.a} exited (${c})`)));
  });
  ready.catch(() => undefined);
  return {
    proc,
    ready,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const gone = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await gone;
      }
      return out.split("\n").find((l) => l.startsWith("{")) ?? "";
    },
  };
}

// The delay-line benchmark's two ends (node -e programs, run in the testbed's namespaces).
/** Receiver: counts bytes from 0.5 s after the first arrives (slow start) to the last; prints bytes/s. */
export const streamSink = `const t=()=>Number(process.hrtime.bigint())/1e9;let t0,b0,t1,b=0;require("net").createServer(s=>s.on("data",d=>{b+=d.length;const n=t();if(t0===undefined)t0=n;if(b0===undefined&&n-t0>=0.5)(b0=b,t0=n);t1=n}).on("end",()=>{console.log(((b-b0)/(t1-t0)).toFixed(0));process.exit(0)})).listen(9000,"10.99.0.2",()=>console.log("up"))`;
/** Sender: writes as fast as TCP takes it for argv[1] seconds. */
export const streamSource = `const s=require("net").connect(9000,"10.99.0.2"),c=Buffer.alloc(65536),end=Date.now()+Number(process.argv[1])*1e3;const p=()=>{while(Date.now()<end)if(!s.write(c))return void s.once("drain",p);s.end()};s.on("connect",p)`;
