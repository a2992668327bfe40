/**
 * The BSP rank's message stamps, Wren's live source: with `stamp`, every message a rank
 * receives is one "xfer SRC BYTES START END" line (its sender, its bytes with the 16-byte
 * header, the sender's start and the receiver's last byte, epoch ms); without, none, and the
 * header stays 8 bytes. Three ranks on loopback addresses, no privileges needed.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { nodeProgram } from "../../sim/source/index.js";

const rank = nodeProgram(new URL("../../sim/live/bsp-rank.ts", import.meta.url));
const M = 100_000, STEPS = 5, N = 3;

async function ring(stamp: boolean, port: number): Promise<{ out: string[]; t0: number; t1: number }> {
  const addresses = Array.from({ length: N }, (_, i) => `127.0.0.${60 + i}`);
  const t0 = Date.now();
  const kids = addresses.map((_, r) => spawn(process.execPath, [...rank.execArgv, rank.file, JSON.stringify({ rank: r, addresses, port, sequence: [{ pattern: "ring", supersteps: 1 }], messageBytes: M, computeOps: 0, supersteps: STEPS, stamp })], { stdio: ["ignore", "pipe", "inherit", "ipc"] }));
  const out = kids.map(() => "");
  kids.forEach((k, i) => k.stdout!.on("data", (d) => (out[i] += d)));
  await Promise.all(kids.map((k) => new Promise((r) => k.once("message", r))));
  for (const k of kids) k.send("go");
  await Promise.all(kids.map((k) => new Promise((r) => (k.exitCode !== null ? r(0) : k.once("exit", r)))));
  return { out, t0, t1: Date.now() };
}

test("with stamp, each received message is one xfer line: its sender, bytes with the 16-byte header, and start <= end within the run", async (t) => {
  const { out, t0, t1 } = await ring(true, 21000 + (process.pid % 5000));
  out.forEach((text, r) => {
    const lines = text.trim().split("\n");
    t.deepEqual(lines.filter((l) => l.startsWith("step")), Array.from({ length: STEPS }, (_, k) => `step ${k + 1}`));
    const xfers = lines.filter((l) => l.startsWith("xfer")).map((l) => l.split(" ").slice(1).map(Number));
    t.is(xfers.length, STEPS, `rank ${r} received one message per superstep`);
    for (const [src, bytes, start, end] of xfers) {
      t.is(src, (r + N - 1) % N, "from its ring predecessor");
      t.is(bytes, M + 16);
      t.true(start <= end && start >= t0 - 50 && end <= t1 + 50, `${start}..${end} within ${t0}..${t1}`);
    }
  });
});

test("without stamp, no xfer lines: the single-host protocol is unchanged", async (t) => {
  const { out } = await ring(false, 26000 + (process.pid % 5000));
  for (const text of out) t.deepEqual(text.trim().split("\n"), Array.from({ length: STEPS }, (_, k) => `step ${k + 1}`));
});
