/**
 * QEMU's pre-copy, as QEMU 7.2 runs it (migration.c, ram.c), in 100 ms rate-limit windows:
 *
 * - The first pass sends every page; zero pages go as a header and one byte, others as a
 *   header and the page. Later passes send the pages dirtied since the last bitmap sync.
 * - The first pass meets the guest's memory in address order. Without `touchedTail`, zero and
 *   nonzero pages are taken as evenly mixed. With it, as Linux lays memory out: the nonzero
 *   memory below the free memory first (kernel, early allocations), then the zero pages (memory
 *   the guest never touched), then `touchedTail` nonzero bytes at the top of RAM (where QEMU
 *   loads the initrd and Linux's early allocator works top-down). The scan crosses the zero
 *   pages in a moment, so the pass's last checks see that tail: the stop leaves part of it
 *   (under the threshold), whatever the guest's size.
 * - `max-bandwidth` allows bandwidth x window bytes per window; the window's bytes over its
 *   length are the measured rate, and the threshold is that rate x the downtime limit.
 * - At each check (window start, whenever a pass runs out of pages, and after every maxWait of
 *   sending within a window) QEMU compares the
 *   pages still to send (counted as whole pages, zero or not) with the threshold. Below it,
 *   it syncs the dirty bitmap (adding the pages dirtied since the last sync) and, if still
 *   below, stops the guest and sends the rest unthrottled; the final sync counts too.
 * - Nonzero pages the destination has not held before (the first pass's) arrive at
 *   firstCopyRate, others at stopCopyRate: the destination allocates its memory on first touch.
 * - The guest dirties distinct pages at its dirty rate, but never more than its writable
 *   working set between two syncs (a cyclic writer: min(working set, rate x time)).
 * - Auto-converge (optional): a sync period (>= 1 s) that dirtied more than half of what it
 *   sent counts as high; every second high period throttles the guest (20%, then +10%).
 *
 * - `checkPhase` shifts the check grid: window k >= 1 starts at (k - checkPhase) x
 *   checkInterval. In QEMU the grid drifts (a window lasts until the first send after 100 ms),
 *   so where a pass ends relative to the checks, and with it the downtime of a migration that
 *   stops right after its first pass, varies from run to run; a prediction to compare with
 *   measured medians is the median over phases (sim/calibrate).
 *
 * Pure and deterministic: window k's start is computed from k (no accumulated clock).
 */

export interface AutoConverge {
  initial: number;
  increment: number;
  max: number;
}

export interface QemuPrecopyInput {
  /** Guest RAM, bytes. */
  memory: number;
  /** RAM holding nonzero data when the migration starts, bytes (the rest are zero pages). */
  touched: number;
  /** Pre-copy rate limit (QEMU max-bandwidth), bytes/s on the wire. */
  bandwidth: number;
  /** Rate with the guest paused, and within a window before the limit bites, bytes/s. */
  stopCopyRate: number;
  /** Rate for nonzero pages the destination has not held before (it allocates memory as they arrive), bytes/s. */
  firstCopyRate: number;
  /** Bytes the running guest dirties per second of wall time (0 once throttled fully). */
  dirtyRate: number;
  /** Most distinct bytes the guest dirties between two bitmap syncs. */
  workingSet: number;
  /** QEMU downtime-limit, seconds. */
  downtimeLimit: number;
  /** Rate-limit window, seconds (QEMU: 0.1). */
  checkInterval: number;
  /**
   * Longest QEMU sends without checking (MAX_WAIT, 0.05 s): a window whose bytes take longer
   * to send than this gets a check mid-window. Unset: checks only at window starts and when a
   * pass runs out.
   */
  maxWait?: number;
  pageSize: number;
  /** Per-page header on the wire, bytes (QEMU: 8); a zero page is a header and one byte. */
  pageHeader: number;
  /** Before the first pass (QEMU setup-time), seconds. */
  setup: number;
  /** Paused time beyond sending the pages (device state, resuming on the target), seconds. */
  switchover: number;
  /** Device state bytes sent while paused. */
  switchoverBytes: number;
  /** Stop regardless once this many bitmap syncs happened (QEMU has no such limit: a management layer's). */
  maxRounds: number;
  autoConverge?: AutoConverge;
  /** Nonzero bytes at the top of guest RAM, which the first pass reaches after every zero page; unset: zero and nonzero pages evenly mixed. */
  touchedTail?: number;
  /**
   * The guest's own layout (layout.ts, layoutStretches): zero and nonzero pages of each stretch
   * of RAM in address order. Given, it replaces the layout made from `touched` and `touchedTail`.
   */
  layout?: readonly { zero: number; fresh: number }[];
  /** Where the check grid lies, as a fraction of checkInterval in [0, 1): the first window is (1 - checkPhase) x checkInterval long. Default 0. */
  checkPhase?: number;
}

export interface QemuPrecopyResult {
  total_s: number;
  downtime_s: number;
  /** Bytes on the wire. */
  bytes: number;
  /** Of those, bytes sent while the guest was paused (QEMU's downtime-bytes). */
  downtime_bytes: number;
  /** Dirty-bitmap syncs (QEMU's dirty-sync-count): the setup's, each pass's and the final one. */
  rounds: number;
  /** Seconds from the start until the guest is paused. */
  precopy_s: number;
  /** Guest throttle at the end (auto-converge), 0..1. */
  throttle: number;
  /** The stop came from maxRounds, not from the threshold. */
  forced: boolean;
}

/** Windows before giving up on convergence: a bound on work, far past any real migration. */
const MAX_WINDOWS = 10_000_000;

/** The first pass's stretches from `touched` and `touchedTail` (see the top of this file). */
function parametricLayout(p: QemuPrecopyInput, totalPages: number): { zero: number; fresh: number }[] {
  const data = Math.min(totalPages, Math.ceil(p.touched / p.pageSize)), zero = totalPages - data;
  if (p.touchedTail === undefined) return [{ zero, fresh: data }];
  const tail = Math.min(data, Math.ceil(p.touchedTail / p.pageSize));
  return [{ zero: 0, fresh: data - tail }, { zero, fresh: 0 }, { zero: 0, fresh: tail }];
}

export function qemuPrecopy(p: QemuPrecopyInput): QemuPrecopyResult {
  const P = p.pageSize, dt = p.checkInterval;
  const dataCost = P + p.pageHeader, zeroCost = p.pageHeader + 1;
  const totalPages = Math.ceil(p.memory / P);
  const wsPages = Math.min(totalPages, Math.ceil(p.workingSet / P));
  // The first pass in scan order: stretches of zero and first-time nonzero pages, each taken
  // as evenly mixed within itself.
  const pass = p.layout ? p.layout.map((g) => ({ zero: g.zero, fresh: g.fresh })) : parametricLayout(p, totalPages);
  // Pages in the bitmap not yet sent: the first pass's zero and first-time nonzero pages, and re-sent ones.
  // after[i]: pages of the stretches after stretch i; `at`, the stretch the scan is in.
  const after = pass.map(() => ({ zero: 0, fresh: 0 }));
  for (let i = pass.length - 2; i >= 0; i--) after[i] = { zero: after[i + 1].zero + pass[i + 1].zero, fresh: after[i + 1].fresh + pass[i + 1].fresh };
  let zero = pass.length ? pass[0].zero + after[0].zero : 0, fresh = pass.length ? pass[0].fresh + after[0].fresh : 0, data = 0;
  let at = 0;
  const phase = p.checkPhase ?? 0;
  const F = p.firstCopyRate, S = p.stopCopyRate;
  let bytes = 0, rounds = 1; // the setup's sync
  let throttle = 0, high = 0;
  // Distinct pages dirtied since the last sync, and when they were last brought up to date.
  let dirtied = 0, dirtiedAt = 0;
  let periodStart = 0, periodDirtied = 0, periodSent = 0;
  let threshold = 0;

  const dirtyUntil = (t: number) => {
    if (t > dirtiedAt) dirtied = Math.min(wsPages, dirtied + (p.dirtyRate * (1 - throttle) * (t - dirtiedAt)) / P);
    dirtiedAt = t;
  };
  const sync = (t: number) => {
    dirtyUntil(t);
    rounds++;
    // A cyclic writer: what is pending is what it wrote last and the scan has not reached,
    // what it wrote since lies just ahead of that, so the two add up to at most the working
    // set. First-pass leftovers are taken to lie outside it (the writer's pages went early).
    data = Math.min(wsPages, data + dirtied);
    periodDirtied += dirtied * P;
    dirtied = 0;
    if (p.autoConverge && t - periodStart >= 1) {
      if (periodDirtied > 0.5 * periodSent && ++high >= 2) {
        throttle = throttle === 0 ? p.autoConverge.initial : Math.min(p.autoConverge.max, throttle + p.autoConverge.increment);
        high = 0;
      }
      periodStart = t;
      periodDirtied = 0;
      periodSent = 0;
    }
  };
  const pendingBytes = () => (zero + fresh + data) * P;
  /** QEMU's check; true when it is time to stop. */
  const check = (t: number): boolean => {
    if (pendingBytes() < threshold) {
      sync(t);
      if (pendingBytes() < threshold || rounds >= p.maxRounds) return true;
    }
    return pendingBytes() === 0 || rounds >= p.maxRounds;
  };

  let stopAt = NaN;
  let forced = false;
  for (let k = 0; k < MAX_WINDOWS && Number.isNaN(stopAt); k++) {
    const t0 = k === 0 ? 0 : (k - phase) * dt;
    const len = k === 0 ? (1 - phase) * dt : dt;
    const quota = p.bandwidth * len;
    let sent = 0, used = 0;
    // Time into the window at which QEMU's send loop next gives up for a check (maxWait).
    let breakAt = p.maxWait ?? Infinity;
    if (check(t0)) {
      stopAt = t0;
      break;
    }
    while (sent < quota && used < len) {
      if (zero + fresh + data === 0) break;
      // QEMU's scan goes on from where it stopped: the first pass's stretches in order, then
      // the re-dirtied pages it wraps round to. Per page: wire bytes and time.
      while (at < pass.length && pass[at].zero + pass[at].fresh === 0) at++;
      const seg = at < pass.length ? pass[at] : undefined;
      const pages = seg ? seg.zero + seg.fresh : data;
      const cost = seg ? (seg.zero * zeroCost + seg.fresh * dataCost) / pages : dataCost;
      const time = seg ? (seg.zero * zeroCost / S + seg.fresh * dataCost / F) / pages : dataCost / S;
      const toBreak = Math.max(0, (breakAt - used) / time);
      const n = Math.min(pages, (quota - sent) / cost, (len - used) / time, toBreak);
      const k = n / pages;
      if (seg) {
        seg.zero -= seg.zero * k;
        seg.fresh -= seg.fresh * k;
        if (seg.zero < 1e-9) seg.zero = 0;
        if (seg.fresh < 1e-9) seg.fresh = 0;
        // What is left of this stretch and the untouched ones after it (summed once, exactly:
        // whole pages), so the scan's totals cost the same however many stretches there are.
        zero = seg.zero + after[at].zero;
        fresh = seg.fresh + after[at].fresh;
      } else {
        data -= data * k;
        if (data < 1e-9) data = 0;
      }
      sent += n * cost;
      used = n === toBreak ? breakAt : used + n * time;
      if (zero + fresh + data === 0) {
        // The pass ran out mid-window: QEMU checks again at once, and its send loop's
        // MAX_WAIT clock starts afresh.
        const t = t0 + used;
        if (check(t)) {
          stopAt = t;
          break;
        }
        breakAt = used + (p.maxWait ?? Infinity);
      } else if (used >= breakAt && used < len && sent < quota) {
        // Sent for maxWait without using up the window: QEMU leaves its send loop and checks.
        const t = t0 + used;
        if (check(t)) {
          stopAt = t;
          break;
        }
        breakAt = used + p.maxWait!;
      }
    }
    bytes += sent;
    periodSent += sent;
    if (Number.isNaN(stopAt)) threshold = (sent / len) * p.downtimeLimit;
  }
  if (Number.isNaN(stopAt)) {
    stopAt = MAX_WINDOWS * dt;
    forced = true;
  }
  forced ||= rounds >= p.maxRounds && pendingBytes() >= threshold;
  // Stop and copy: the final sync, then every pending page at full speed, then device state.
  sync(stopAt);
  const rest = zero * zeroCost + (fresh + data) * dataCost + p.switchoverBytes;
  const downtime = (zero * zeroCost + data * dataCost + p.switchoverBytes) / S + (fresh * dataCost) / F + p.switchover;
  bytes += rest;
  return { total_s: p.setup + stopAt + downtime, downtime_s: downtime, bytes, downtime_bytes: rest, rounds, precopy_s: p.setup + stopAt, throttle, forced };
}
