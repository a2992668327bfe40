/**
 * The qemu pre-copy model against cases worked out independently: an idle guest (every page
 * sent once; the stop at the first window start whose remainder is under the threshold),
 * evenly mixed or laid out in address order with the check grid at any phase (a byte count
 * over the pass), a working set that no pass can outrun, and a page-by-page
 * re-implementation of QEMU's loop.
 */
import test from "ava";
import fc from "fast-check";
import { qemuPrecopy, type MigrationReport, type QemuPrecopyInput } from "../../sim/platform/index.js";
import { CHECK_PHASE_STREAM } from "../../sim/platform/migration/precopy.js";
import { close, world } from "./world-helpers.js";
import { qemuInput } from "./qemu-input.js";

const MiB = 1 << 20, P = 4096, H = 8;

const base = qemuInput;

test("idle guest: every page once (nonzero pages whole, zero pages as header + 1 byte), three syncs, stop at the first window start under the threshold", (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 64, max: 4096 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 8, max: 256 }),
      fc.double({ min: 0, max: 0.05, noNaN: true }),
      fc.integer({ min: 0, max: 1 << 20 }),
      (memMiB, touchedShare, capMiB, switchover, switchoverBytes) => {
        const N = memMiB * 256, D = Math.ceil(touchedShare * N), Z = N - D;
        const B = capMiB * MiB, S = 2e9, L = 0.3, dt = 0.1;
        const cbar = (Z * (H + 1) + D * (P + H)) / N;
        const n = (B * dt) / cbar; // pages per window
        // Only where a window start sees the remainder under the threshold before the pass runs dry.
        fc.pre(n * P < B * L && n < N);
        const r = qemuPrecopy(base({ memory: N * P, touched: D * P, bandwidth: B, stopCopyRate: S, firstCopyRate: S, switchover, switchoverBytes }));
        let k = 1;
        while ((N - k * n) * P >= B * L) k++;
        // A window start exactly at the threshold is a tie that floating point decides either
        // way (the model measures the rate, the test takes the cap): leave ties out.
        fc.pre(Math.abs((N - (k - 1) * n) * P - B * L) > 1e-9 * B * L);
        const left = N - k * n;
        const downtime = (left * cbar + switchoverBytes) / S + switchover;
        return r.rounds === 3 && !r.forced && close(r.bytes, Z * (H + 1) + D * (P + H) + switchoverBytes, 1e-9) && close(r.precopy_s, k * dt, 1e-9) && close(r.downtime_s, downtime, 1e-6) && close(r.total_s, k * dt + downtime, 1e-9);
      },
    ),
    { numRuns: 200 },
  );
  t.pass();
});

test("idle guest laid out as Linux does (nonzero, zero pages, nonzero tail), any check phase: the stop leaves what a byte count over the pass says", (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 128, max: 2048 }),
      fc.double({ min: 0.05, max: 0.9, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 8, max: 256 }),
      fc.double({ min: 0, max: 0.99, noNaN: true }),
      (memMiB, touchedShare, tailShare, capMiB, phase) => {
        const N = memMiB * 256, D = Math.ceil(touchedShare * N), Z = N - D;
        const tail = Math.min(D, Math.ceil((tailShare * D * P) / P)), head = D - tail;
        const B = capMiB * MiB, L = 0.3, dt = 0.1, c = P + H, z = H + 1;
        const W = D * c + Z * z;
        // Pages the pass has covered once b bytes went out: head, then zero pages, then tail.
        const covered = (b: number) => (b <= head * c ? b / c : b <= head * c + Z * z ? head + (b - head * c) / z : Math.min(N, head + Z + (b - head * c - Z * z) / c));
        // Wire bytes of what is left after b bytes: zero pages first, then nonzero.
        const leftBytes = (b: number) => W - b;
        // Checks at t_k = (k - phase) dt, k >= 1; every window before the pass ends is full.
        let k = 1;
        for (; B * (k - phase) * dt < W; k++) {
          const pending = N - covered(B * (k - phase) * dt);
          // A tie is decided either way by floating point: leave it out.
          fc.pre(Math.abs(pending * P - B * L) > 1e-6 * B * L);
          if (pending * P < B * L) break;
        }
        const stopAt = k - phase;
        const sentBefore = Math.min(W, B * stopAt * dt);
        const r = qemuPrecopy(base({ memory: N * P, touched: D * P, touchedTail: tail * P, checkPhase: phase, bandwidth: B, stopCopyRate: 1e15, firstCopyRate: 1e15 }));
        const pending = B * stopAt * dt < W;
        // Stopped at a check with pages left, or the pass ran out in the window before it
        // (sending takes bytes / 1e15 s: next to nothing).
        const precopy = pending ? stopAt * dt : Math.max(0, (k - 1 - phase) * dt);
        // A pass done within the first window meets no threshold yet (nothing measured): no sync before the final one.
        const syncs = k === 1 && !pending ? 2 : 3;
        return r.rounds === syncs && close(r.bytes, W, 1e-9) && Math.abs(r.precopy_s - precopy) < 1e-6 && Math.abs(r.downtime_s - leftBytes(sentBefore) / 1e15) < 1e-12;
      },
    ),
    { numRuns: 200 },
  );
  t.pass();
});

test("a window whose bytes take longer than maxWait to send gets a check mid-window, as QEMU's send loop gives up after MAX_WAIT", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 64, max: 1024 }), fc.integer({ min: 16, max: 512 }), fc.integer({ min: 100, max: 1000 }), fc.constantFrom(0.02, 0.05), (memMiB, capMiB, firstMBps, maxWait) => {
      const N = memMiB * 256, c = P + H, W = N * c, B = capMiB * MiB, F = firstMBps * 1e6, L = 0.3, dt = 0.1;
      // Every page nonzero: a full window sends w bytes; one taking longer than maxWait is
      // checked maxWait in, with F x maxWait sent. The threshold is the last window's rate x L.
      const w = dt * Math.min(B, F);
      const checks: { t: number; sent: number; threshold: number }[] = [];
      for (let k = 0; k * w < W && checks.length < 10_000; k++) {
        const threshold = k === 0 ? 0 : (w / dt) * L;
        checks.push({ t: k * dt, sent: k * w, threshold });
        for (let j = 1; j * maxWait < dt && F * j * maxWait < w && k * w + F * j * maxWait < W; j++) checks.push({ t: k * dt + j * maxWait, sent: k * w + F * j * maxWait, threshold });
      }
      const stop = checks.find((x) => ((W - x.sent) / c) * P < x.threshold);
      fc.pre(stop !== undefined);
      // Ties go either way in floating point: leave them out.
      fc.pre(checks.every((x) => Math.abs(((W - x.sent) / c) * P - x.threshold) > 1e-6 * (x.threshold + 1)));
      const r = qemuPrecopy(base({ memory: N * P, touched: N * P, bandwidth: B, firstCopyRate: F, stopCopyRate: 1e15, maxWait }));
      return close(r.precopy_s, stop!.t, 1e-9) && close(r.downtime_bytes, W - stop!.sent, 1e-6) && r.rounds === 3;
    }),
    { numRuns: 300 },
  );
  // The same guest without mid-window checks stops later, with less left.
  const g = { memory: 320 * MiB, touched: 320 * MiB, bandwidth: 192 * MiB, firstCopyRate: 380e6 };
  const withWait = qemuPrecopy(base({ ...g, maxWait: 0.05 })), without = qemuPrecopy(base(g));
  t.true(withWait.precopy_s < without.precopy_s && withWait.downtime_bytes > without.downtime_bytes, `${withWait.precopy_s} ${without.precopy_s}`);
});

test("without touchedTail the pass is evenly mixed as before, and a zero tail puts every zero page last", (t) => {
  const mixed = qemuPrecopy(base({ touched: 100 * MiB, bandwidth: 128 * MiB, stopCopyRate: 1e9, firstCopyRate: 4e8 }));
  const gap = qemuPrecopy(base({ touched: 100 * MiB, touchedTail: 0, bandwidth: 128 * MiB, stopCopyRate: 1e9, firstCopyRate: 4e8 }));
  const tail = qemuPrecopy(base({ touched: 100 * MiB, touchedTail: 20 * MiB, bandwidth: 128 * MiB, stopCopyRate: 1e9, firstCopyRate: 4e8 }));
  // Zero pages last: the checks find them left and stop with (almost) nothing to send.
  t.true(gap.downtime_s < 1e-3, `${gap.downtime_s}`);
  // A 20 MiB tail: the stop leaves part of it (less than the threshold, 38.4 MiB), sent at firstCopyRate.
  t.true(tail.downtime_s > 0 && tail.downtime_s < (20 * MiB * (P + H)) / P / 4e8 + 1e-9, `${tail.downtime_s}`);
  t.true(mixed.downtime_s > gap.downtime_s);
  t.true(close(mixed.bytes, gap.bytes, 1e-12) && close(tail.bytes, gap.bytes, 1e-12));
});

test("a working set at or above the threshold never converges: forced stop at maxRounds, and no sync adds more than the working set", (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 8, max: 128 }),
      fc.double({ min: 1, max: 4, noNaN: true }),
      fc.integer({ min: 4, max: 40 }),
      (capMiB, wsOverThreshold, maxRounds) => {
        const B = capMiB * MiB, L = 0.3;
        const ws = Math.min(200 * MiB, Math.ceil((wsOverThreshold * B * L) / P) * P);
        fc.pre(ws >= B * L);
        // A guest that rewrites its working set many times over between syncs.
        const r = qemuPrecopy(base({ bandwidth: B, workingSet: ws, dirtyRate: 1e12, maxRounds }));
        const firstPass = (256 * MiB / P) * (P + H);
        return r.forced && r.rounds === maxRounds + 1 && r.bytes <= firstPass + (r.rounds - 1) * (ws / P) * (P + H) + 1;
      },
    ),
    { numRuns: 100 },
  );
  t.pass();
});

test("a working set under the threshold converges, however fast the guest writes it", (t) => {
  for (const d of [1e6, 1e8, 1e12]) {
    const B = 32 * MiB;
    const r = qemuPrecopy(base({ bandwidth: B, workingSet: 2 * MiB, dirtyRate: d }));
    t.false(r.forced, `dirty rate ${d}`);
    // The last sync leaves at most the working set plus what was pending: under the threshold.
    t.true(r.downtime_s * 1e9 < B * 0.3 * 1.01, `dirty rate ${d}`);
  }
});

/**
 * QEMU's loop page by page (migration_iteration_run, ram_save_pending, ram_save_iterate),
 * written without the model's fluid page mix: whole pages, nonzero only, a cyclic writer.
 */
function pageLoop(pages: number, wsPages: number, dirtyPagesPerS: number, quotaPages: number, dt: number, limit: number) {
  const dirty = new Uint8Array(pages).fill(1);
  let cursor = 0, syncs = 1, sent = 0, threshold = 0, writerPos = 0, written = 0, count = pages;
  const sync = (t: number) => {
    syncs++;
    const want = Math.floor(dirtyPagesPerS * t);
    const fresh = Math.min(wsPages, want - written);
    for (let i = 0; i < fresh; i++) {
      const pg = (writerPos + i) % wsPages;
      if (!dirty[pg]) count++;
      dirty[pg] = 1;
    }
    writerPos = (writerPos + Math.max(0, want - written)) % wsPages;
    written = want;
  };
  const pending = () => count;
  for (let k = 0; k < 100000; k++) {
    const t0 = k * dt;
    let inWindow = 0;
    for (;;) {
      if (pending() * P < threshold) sync(t0);
      const left = pending();
      if (left === 0 || left * P < threshold) return { syncs: syncs + 1, bytes: (sent + left) * (P + H), precopy: t0 };
      // Send until the quota is used or nothing is left (then QEMU checks again at once).
      let moved = 0;
      while (inWindow < quotaPages && moved < pages) {
        if (dirty[cursor]) {
          dirty[cursor] = 0;
          count--;
          sent++;
          inWindow++;
        }
        cursor = (cursor + 1) % pages;
        moved++;
        if (pending() === 0) break;
      }
      if (inWindow >= quotaPages || pending() !== 0) break;
    }
    threshold = ((inWindow * (P + H)) / dt) * limit;
  }
  throw new Error("no convergence");
}

test("agrees with a page-by-page re-implementation of QEMU's loop for a cyclic writer", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 24 }), fc.integer({ min: 1, max: 12 }), (dirtyMiB, wsMiB) => {
      const memMiB = 32, capMiB = 32;
      const pages = memMiB * 256, ws = wsMiB * 256, dt = 0.1;
      // Whole pages per window, as the page loop sends them.
      const quotaPages = Math.floor((capMiB * MiB * dt) / (P + H));
      const B = (quotaPages * (P + H)) / dt;
      const want = pageLoop(pages, ws, dirtyMiB * 256, quotaPages, dt, 0.3);
      const got = qemuPrecopy(base({ memory: memMiB * MiB, touched: memMiB * MiB, bandwidth: B, stopCopyRate: 1e12, firstCopyRate: 1e12, dirtyRate: dirtyMiB * MiB, workingSet: wsMiB * MiB }));
      // The model does not track where the writer is against the scan: once the writer laps a
      // pass it may rewrite pages still pending, which the model counts anew. Three syncs, three
      // windows, a working set and a window's bytes apart at most (exact without a lap).
      return Math.abs(got.rounds - want.syncs) <= 3 && Math.abs(got.precopy_s - want.precopy) <= 0.3 + 1e-9 && Math.abs(got.bytes - want.bytes) <= (ws + quotaPages) * (P + H);
    }),
    { numRuns: 40 },
  );
  t.pass();
});

test("auto-converge throttles a guest that would never converge until it does", (t) => {
  const B = 32 * MiB;
  const input = base({ bandwidth: B, workingSet: 64 * MiB, dirtyRate: 40 * MiB, maxRounds: 10000 });
  const without = qemuPrecopy(input);
  const withAc = qemuPrecopy({ ...input, autoConverge: { initial: 0.2, increment: 0.1, max: 0.99 } });
  t.true(without.forced);
  t.false(withAc.forced);
  t.true(withAc.throttle >= 0.2);
});

test("world: model qemu pauses the VM for the planned downtime, moves it and reports the plan (plus the route's latency)", (t) => {
  const lat = 1e-4, B = 125e6;
  const { sim, world: w } = world({
    platform: {
      hosts: [{ id: "h", count: 2 }],
      network: { topology: { kind: "switch", bandwidth: B, latency: lat } },
      migration: { model: "qemu", downtimeBudget: 0.3, bandwidth: 32 * MiB, touched: { base: 100 * MiB, perMemory: 0 } },
    },
    vms: [{ id: "vm", host: "h0", memory: 256 * MiB, wallDirtyRate: 8 * MiB, workingSet: 64 * MiB }],
  });
  const vm = w.vm("vm");
  vm.compute(Infinity);
  let r: MigrationReport | undefined;
  w.migrate(vm, w.host("h1"), (x) => (r = x));
  sim.run({ until: 100 });
  vm.settle();
  const plan = qemuPrecopy(base({ memory: 256 * MiB, touched: 100 * MiB, bandwidth: 32 * MiB, stopCopyRate: B, firstCopyRate: B, dirtyRate: 8 * MiB, workingSet: 64 * MiB }));
  t.truthy(r);
  t.is(vm.host.id, "h1");
  t.is(r!.rounds, plan.rounds);
  t.true(close(r!.bytes, plan.bytes));
  t.true(close(r!.downtime_s, plan.downtime_s + 2 * lat));
  t.true(close(r!.total_s, plan.total_s + 2 * lat));
  // Computing all along except while paused.
  t.true(close(vm.cpuSeconds, 100 - r!.downtime_s, 1e-6));
});

test("world: platform.migration's touchedTail (a share of the VM's nonzero memory) and checkPhase reach the plan", (t) => {
  const B = 125e6;
  const { sim, world: w } = world({
    platform: {
      hosts: [{ id: "h", count: 2 }],
      network: { topology: { kind: "switch", bandwidth: B, latency: 0 } },
      migration: { model: "qemu", downtimeBudget: 0.3, bandwidth: 96 * MiB, touched: { base: 100 * MiB, perMemory: 0 }, touchedTail: 0.25, checkPhase: 0.4 },
    },
    vms: [{ id: "vm", host: "h0", memory: 384 * MiB, wallDirtyRate: 4 * MiB, workingSet: 64 * MiB }],
  });
  let r: MigrationReport | undefined;
  w.migrate(w.vm("vm"), w.host("h1"), (x) => (r = x));
  sim.run({ until: 100 });
  // maxWait: the schema's default, QEMU's MAX_WAIT.
  const input = base({ memory: 384 * MiB, touched: 100 * MiB, bandwidth: 96 * MiB, stopCopyRate: B, firstCopyRate: B, dirtyRate: 4 * MiB, workingSet: 64 * MiB, maxWait: 0.05 });
  const plan = qemuPrecopy({ ...input, touchedTail: 25 * MiB, checkPhase: 0.4 });
  t.true(close(r!.downtime_s, plan.downtime_s) && close(r!.total_s, plan.total_s), `${JSON.stringify(r)} ${JSON.stringify(plan)}`);
  // And they matter: the evenly mixed pass at phase 0 plans otherwise.
  t.false(close(qemuPrecopy(input).downtime_s, plan.downtime_s));
});

test('world: checkPhase "random" draws each migration\'s phase from its own stream, in start order, the same for the same seed', (t) => {
  const doc = (seed: number) => ({
    seed,
    platform: {
      hosts: [{ id: "h", count: 2 }],
      // A 10 GB/s switch: the copy rates, not the route, bound the migration.
      network: { topology: { kind: "switch", bandwidth: 10e9, latency: 0 } },
      migration: { model: "qemu", downtimeBudget: 0.3, bandwidth: 128 * MiB, stopCopyRate: 1.7e9, firstCopyRate: 3.8e8, touched: { base: 140 * MiB, perMemory: 0 }, touchedTail: 0.15, checkPhase: "random" },
    },
    vms: [0, 1, 2, 3].map((i) => ({ id: `vm${i}`, host: "h0", memory: 256 * MiB, wallDirtyRate: 8 * MiB, workingSet: 64 * MiB })),
  });
  const run = (seed: number) => {
    const { sim, world: w } = world(doc(seed));
    const reports: MigrationReport[] = [];
    for (const i of [0, 1, 2, 3]) w.migrate(w.vm(`vm${i}`), w.host("h1"), (x) => reports.push(x));
    sim.run({ until: 100 });
    return reports.sort((a, b) => a.vm.localeCompare(b.vm));
  };
  const a = run(7);
  t.deepEqual(run(7), a);
  // Each is the plan at the phase drawn for it: the stream's draws, one per migration in start order.
  const { sim } = world(doc(7));
  const phases = [0, 1, 2, 3].map(() => sim.rng(CHECK_PHASE_STREAM).random());
  const input = base({ memory: 256 * MiB, touched: 140 * MiB, touchedTail: 0.15 * 140 * MiB, bandwidth: 128 * MiB, stopCopyRate: 1.7e9, firstCopyRate: 3.8e8, dirtyRate: 8 * MiB, workingSet: 64 * MiB, maxWait: 0.05 });
  a.forEach((r, i) => t.true(close(r.downtime_s, qemuPrecopy({ ...input, checkPhase: phases[i] }).downtime_s), `${r.vm}`));
  // And the phases matter here: four draws give more than one downtime.
  t.true(new Set(a.map((r) => r.downtime_s.toFixed(6))).size > 1);
});
