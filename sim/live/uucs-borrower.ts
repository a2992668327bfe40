/**
 * One borrower process: reads levels (one number a line) on stdin and holds that much of its
 * resource until the next; exits when stdin closes, so it dies with the run that feeds it even
 * when that run is killed. Run as `node borrower.js RESOURCE MARK [DIR]`; MARK is only there
 * for the journal to find it by its command line.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync } from "node:fs";
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
  // Slots from now (not from the process's start, which loading the program left behind).
  const t0 = now();
  for (let k = 1; ; k++) {
    const end = t0 + k * SLOT; // slot boundaries from the index, not accumulated
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

/** This process's resident size (VmRSS), bytes. */
function residentBytes(status = readFileSync("/proc/self/status", "utf8")): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * Holds `level` bytes of resident memory on top of the runtime's own: the level is what the
 * process's VmRSS gains over its size when borrowing nothing (measured then). Whatever the
 * runtime itself adds meanwhile (its heap, code) comes out of the level, as the CPU borrower's
 * overhead comes out of its budget; so the added RSS stays within [level - CHUNK - what the
 * runtime grew by, level]. Chunks are mapped one by one (MALLOC_MMAP_THRESHOLD_ below CHUNK,
 * set by the parent) and collected at once (--expose-gc), so a level that falls frees them.
 */
async function memory(): Promise<void> {
  const CHUNK = 1 << 20;
  const PAGE = 4096;
  const chunks: Buffer[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  let base = residentBytes();
  for (let k = 0; ; k++) {
    if (level === 0 && !chunks.length) {
      // Borrowing nothing: the runtime's own size now is what borrowing adds to.
      gc?.();
      base = residentBytes();
    }
    const own = Math.max(0, residentBytes() - base - chunks.length * CHUNK);
    const want = Math.max(0, Math.floor((level - own) / CHUNK));
    if (chunks.length > want) {
      chunks.length = want;
      gc?.();
    }
    while (chunks.length < want) {
      const c = Buffer.allocUnsafeSlow(CHUNK);
      for (let i = 0; i < c.length; i += PAGE) c[i] = 1;
      chunks.push(c);
    }
    // Touch every page each second, so the borrowed memory stays resident.
    if (k % 10 === 0) for (const c of chunks) for (let i = 0; i < c.length; i += PAGE) c[i] = (c[i] + 1) & 0xff;
    await sleep(0.1);
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
  const t0 = now();
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
      await sleep(t0 + k * 0.05 - now());
    }
  } finally {
    closeSync(fd);
  }
}

({ cpu, memory, disk })[resource as "cpu"]?.();
