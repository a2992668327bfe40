/**
 * A guest's own RAM layout in the qemu pre-copy model (layout.ts): its text form, its
 * stretches, and the stop it gives against a byte count over the layout worked out here
 * chunk by chunk.
 */
import test from "ava";
import fc from "fast-check";
import { encodeLayout, layoutStretches, parseLayout, qemuPrecopy, type QemuPrecopyInput } from "../../sim/platform/migration/index.js";
import { close } from "./world-helpers.js";
import { qemuInput } from "./qemu-input.js";

const MiB = 1 << 20, P = 4096, H = 8, PER = MiB / P;

// Copying takes next to no time: the stop is what the byte count decides.
const base = (o: Partial<QemuPrecopyInput>) => qemuInput({ stopCopyRate: 1e15, firstCopyRate: 1e15, ...o });

/** Layouts as guests have them: runs of empty, full and part-full chunks. */
const layouts = fc
  .array(fc.tuple(fc.constantFrom(0, PER, -1), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: PER - 1 })), { minLength: 1, maxLength: 12 })
  .map((runs) => runs.flatMap(([kind, n, part]) => Array.from({ length: n }, () => (kind === -1 ? part : kind))));

test("the text form round-trips, runs of equal chunks written COUNT*CHUNKS", (t) => {
  fc.assert(fc.property(layouts, (l) => JSON.stringify(parseLayout(encodeLayout(l))) === JSON.stringify(l)));
  t.is(encodeLayout([256, 256, 256, 0, 0, 12]), "256*3 0*2 12");
  t.deepEqual(parseLayout(" 256*3  0*2 12 "), [256, 256, 256, 0, 0, 12]);
});

test("a bad layout says what is wrong", (t) => {
  t.is(parseLayout("256*3 x"), `"x" is not COUNT or COUNT*CHUNKS`);
  t.is(parseLayout("257"), "257 nonzero pages in a 1 MiB chunk (at most 256)");
  t.is(parseLayout("3*0"), `"3*0": a run of 0 chunks`);
  t.is(parseLayout("-1"), `"-1" is not COUNT or COUNT*CHUNKS`);
  t.is(parseLayout("0*16000000 0*16000000 0*16000000 0*16000000 0*16000000"), "more than 65536 chunks (64 GiB)");
});

test("stretches keep every page in order: full and empty chunks merge, part-full ones stay apart", (t) => {
  fc.assert(
    fc.property(layouts, (l) => {
      const s = layoutStretches(l);
      const pages = s.reduce((a, g) => a + g.zero + g.fresh, 0), fresh = s.reduce((a, g) => a + g.fresh, 0);
      const adjacentSame = s.some((g, i) => i > 0 && ((g.fresh === 0 && s[i - 1].fresh === 0) || (g.zero === 0 && s[i - 1].zero === 0)));
      return pages === l.length * PER && fresh === l.reduce((a, n) => a + n, 0) && !adjacentSame;
    }),
  );
  t.deepEqual(layoutStretches([256, 256, 0, 0, 0, 10, 10, 256]), [
    { zero: 0, fresh: 512 },
    { zero: 768, fresh: 0 },
    { zero: 246, fresh: 10 },
    { zero: 246, fresh: 10 },
    { zero: 0, fresh: 256 },
  ]);
});

test("a layout the parametric one would make gives the same migration", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 64, max: 1024 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 8, max: 256 }), fc.double({ min: 0, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: 32 }), (memMiB, share, tailShare, cap, phase, dirtyMiB) => {
      const N = memMiB * PER, D = Math.ceil(share * N), tail = Math.ceil(tailShare * D);
      const common = { memory: N * P, touched: D * P, bandwidth: cap * MiB, checkPhase: phase, dirtyRate: dirtyMiB * MiB, workingSet: 64 * MiB, stopCopyRate: 2e9, firstCopyRate: 4e8 };
      const a = qemuPrecopy(base({ ...common, touchedTail: tail * P }));
      const b = qemuPrecopy(base({ ...common, layout: [{ zero: 0, fresh: D - tail }, { zero: N - D, fresh: 0 }, { zero: 0, fresh: tail }] }));
      return JSON.stringify(a) === JSON.stringify(b);
    }),
    { numRuns: 100 },
  );
  t.pass();
});

test("idle guest on its own layout, any check phase: the stop leaves what a byte count over the layout says", (t) => {
  fc.assert(
    fc.property(layouts, fc.integer({ min: 8, max: 256 }), fc.double({ min: 0, max: 0.99, noNaN: true }), (layout, capMiB, phase) => {
      const N = layout.length * PER, c = P + H, z = H + 1;
      // Each chunk's pages evenly mixed: wire bytes per page of chunk i.
      const cost = layout.map((n) => (n * c + (PER - n) * z) / PER);
      const W = cost.reduce((a, x) => a + x * PER, 0);
      /** Pages covered once b wire bytes went out, chunk by chunk. */
      const covered = (b: number) => {
        let pages = 0;
        for (const x of cost) {
          if (b <= x * PER) return pages + b / x;
          b -= x * PER;
          pages += PER;
        }
        return N;
      };
      const B = capMiB * MiB, L = 0.3, dt = 0.1;
      // Checks at (k - phase) dt, k >= 1; every window before the pass ends sends B dt (the
      // first (1 - phase) B dt); the threshold is B L.
      let k = 1;
      for (; B * (k - phase) * dt < W; k++) {
        const pending = N - covered(B * (k - phase) * dt);
        fc.pre(Math.abs(pending * P - B * L) > 1e-6 * B * L);
        if (pending * P < B * L) break;
      }
      const sentBefore = Math.min(W, B * (k - phase) * dt);
      const r = qemuPrecopy(base({ memory: N * P, touched: 0, layout: layoutStretches(layout), checkPhase: phase, bandwidth: B }));
      return close(r.bytes, W, 1e-9) && Math.abs(r.downtime_bytes - (W - sentBefore)) < 1e-6 * W;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
