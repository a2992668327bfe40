/**
 * One rank of the live BSP patterns program: a real process with its own loopback address,
 * exchanging messages with its peers over TCP. Each superstep it computes, then sends its
 * messages in the superstep's pattern and waits for the ones addressed to it. It prints
 * "step N" after each superstep. Arguments: a JSON job on argv[2].
 *
 * With `stamp`, each message's header also carries when its sender began to write it (epoch
 * milliseconds: hosts' wall clocks, which agree on one machine and under NTP across machines),
 * and the receiver prints "xfer SRC BYTES START END" once the message's last byte is in: the
 * application's own transfers, as Wren observes them in the simulator.
 */
import { createConnection, createServer, type Socket } from "node:net";
import { patternPhases, type Pattern } from "../workload/patterns.js";
import { spin } from "./spin.js";

interface RankJob {
  rank: number;
  addresses: string[];
  port: number;
  sequence: { pattern: Pattern; supersteps: number }[];
  messageBytes: number;
  computeOps: number;
  supersteps: number;
  stamp?: boolean;
}

const job = JSON.parse(process.argv[2]) as RankJob;
const n = job.addresses.length;
const received = new Map<number, number>();
let waiter: (() => void) | undefined;
const peers = new Map<number, Socket>();
const HEAD = job.stamp ? 16 : 8;
/** Wall-clock epoch milliseconds, finer than Date.now(). */
const epochMs = () => performance.timeOrigin + performance.now();

// Incoming: 4-byte superstep header, 4-byte length, with `stamp` the 8-byte send time, then the payload.
createServer((sock) => {
  let buf = Buffer.alloc(0);
  const src = job.addresses.indexOf(sock.remoteAddress?.replace(/^::ffff:/, "") ?? "");
  sock.on("data", (d) => {
    const arrived = job.stamp ? epochMs() : 0;
    buf = Buffer.concat([buf, d]);
    while (buf.length >= HEAD && buf.length >= HEAD + buf.readUInt32BE(4)) {
      const step = buf.readUInt32BE(0), len = buf.readUInt32BE(4);
      if (job.stamp) process.stdout.write(`xfer ${src} ${HEAD + len} ${buf.readDoubleBE(8)} ${arrived}\n`);
      buf = buf.subarray(HEAD + len);
      received.set(step, (received.get(step) ?? 0) + 1);
      waiter?.();
    }
  });
}).listen(job.port, job.addresses[job.rank], () => process.send?.("ready"));

function peer(d: number): Socket {
  let s = peers.get(d);
  if (!s) {
    // No Nagle, as MPI's TCP transports: it would hold a message's payload behind the ACK of its header, a round trip.
    s = createConnection({ host: job.addresses[d], port: job.port, localAddress: job.addresses[job.rank], noDelay: true });
    peers.set(d, s);
  }
  return s;
}

function patternAt(k: number): Pattern {
  const per = job.sequence.reduce((s, x) => s + x.supersteps, 0);
  let r = k % per;
  for (const s of job.sequence) {
    if (r < s.supersteps) return s.pattern;
    r -= s.supersteps;
  }
  return job.sequence[0].pattern;
}

async function main(): Promise<void> {
  // Wait for "go" from the parent once every rank listens.
  await new Promise<void>((r) => process.once("message", () => r()));
  const payload = Buffer.alloc(job.messageBytes, 7);
  for (let k = 0; k < job.supersteps; k++) {
    spin(job.computeOps);
    const msgs = patternPhases(patternAt(k), n).flat();
    const expect = msgs.filter(([, d]) => d === job.rank).length;
    for (const [s, d] of msgs) {
      if (s !== job.rank) continue;
      const head = Buffer.alloc(HEAD);
      head.writeUInt32BE(k, 0);
      head.writeUInt32BE(payload.length, 4);
      if (job.stamp) head.writeDoubleBE(epochMs(), 8);
      const sock = peer(d);
      sock.write(head);
      sock.write(payload);
    }
    while ((received.get(k) ?? 0) < expect) await new Promise<void>((r) => (waiter = r));
    process.stdout.write(`step ${k + 1}\n`);
  }
  for (const s of peers.values()) s.end();
  process.exit(0);
}

void main();
