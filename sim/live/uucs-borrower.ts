/**
 * One borrower process: reads levels (one number a line) on stdin and holds that much of its
 * resource until the next; exits when stdin closes, so it dies with the run that feeds it even
 * when that run is killed. Run as `node borrower.js RESOURCE MARK [DIR]`; MARK is only there
 * for the journal to find it by its command line.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const [resource, , dir] = process.argv.slice(2);
let level = 0;
const SLOT = 0.02; // seconds: duty-cycle slot of a CPU borrower
// A double, not a BigInt: the spin loop reads the clock millions of times, and garbage would
// make the collector's threads burn CPU beyond the borrowed level.
const now = () => performance.now() / 1000;
const sleep = (s: number) => new Promise((r) => setTimeout(r, Math.max(0, s * 1000)));

createInterface({ input: process.stdin }).on("line", (l) => {
  const v = Number(l);
  if (Number.isFinite(v) && v >= 0) level = v;
}).on("close", () => process.exit(0));

async function cpu(): Promise<void> {
  // The process's own CPU time (all threads, user and system): the borrower spends a budget of
  // level x SLOT per slot against it, so whatever the process costs besides its spin (timers,
  // wake-ups, the runtime) comes out of the same budget and the level is never exceeded.
  const used = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let budget = used();
  for (let k = 1; ; k++) {
    const end = k * SLOT; // slot boundaries from the index, not accumulated
    // This slot's credit on top of what is used so far, or of the budget if the process already
    // overspent it: unspent credit is not carried over (no burst after being held back), and an
    // overspend is paid back before spinning again.
    budget = Math.min(budget, used()) + Math.min(1, level) * SLOT;
    // Busy until this slot's share is spent, or the slot ends: a borrower woken late (a busy
    // machine) still gets its level within the slot where the CPU has room for it, as the
    // simulator's borrowed load (a demand of `level` cores) does; where it has not, it gets
    // what a spinner would.
    let x = 0;
    while (now() < end && used() < budget) x += 1;
    if (x < 0) process.stdout.write("");
    await sleep(end - now());
  }
}

async function memory(): Promise<void> {
  const CHUNK = 16 << 20;
  const chunks: Buffer[] = [];
  for (;;) {
    const want = Math.floor(level / CHUNK) + (level % CHUNK > 0 ? 1 : 0);
    while (chunks.length < want) chunks.push(Buffer.alloc(Math.min(CHUNK, level - chunks.length * CHUNK)));
    while (chunks.length > want) chunks.pop();
    // Touch every page each second, so the borrowed memory stays resident.
    for (const c of chunks) for (let i = 0; i < c.length; i += 4096) c[i] = (c[i] + 1) & 0xff;
    await sleep(1);
  }
}

async function disk(): Promise<void> {
  const file = join(dir, "borrow.dat");
  const fd = openSync(file, "w");
  const block = Buffer.alloc(1 << 16, 0x5a);
  const WRAP = 256 << 20; // the file never grows past this: writes wrap around
  let written = 0;
  let due = 0;
  let pos = 0;
  try {
    for (let k = 1; ; k++) {
      due += level * 0.05; // bytes due by the end of this 50 ms slot at the current rate
      while (written < due) {
        const n = Math.min(block.length, Math.ceil(due - written));
        writeSync(fd, block, 0, n, pos);
        pos = (pos + n) % WRAP;
        written += n;
      }
      fdatasyncSync(fd);
      await sleep(k * 0.05 - now());
    }
  } finally {
    closeSync(fd);
  }
}

({ cpu, memory, disk })[resource as "cpu"]?.();
