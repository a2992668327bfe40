/**
 * A live run's people and steering: the scenario's simulated people (policies.user) seated at
 * live VMs, perceiving the prober's measured response times and steering the VM's reservation
 * through the live backend, the same ButtonController and JoystickUser objects as in
 * simulation; and steering actions (the scenario's `actions`, or a console's) applied through
 * the same backend at their wall times. A console's actions are recorded in `actions`, so the
 * written scenario.json repeats them live at the same times.
 */
import { RandomStreams } from "../../kernel/index.js";
import type { Admission, Clock, CpuControl, Reservation, ResponseTap } from "../../ports/index.js";
import type { Scenario } from "../../scenario/index.js";
import { actionTarget, type Action } from "../../steer/index.js";
import { ButtonController, drawComfort, JoystickUser, ButtonUser, type ButtonRecord, type JoystickRecord } from "../../user/index.js";
import { UucsSession, type BorrowRow, type Testcase } from "../../uucs/index.js";
import type { Journal } from "../journal.js";
import { spawnBorrowers, type LiveBorrowers } from "../uucs.js";

export interface SteerEntry {
  t: number;
  kind: string;
  target: string;
  detail: string;
  admitted: boolean;
  reason: string;
}

/** An action without its time (each kind's own fields kept). */
export type Unpinned = Action extends infer A ? (A extends Action ? Omit<A, "at"> & { at?: number } : never) : never;

export interface LiveVm {
  id: string;
  /** CPU seconds the VM's process has used. */
  cpuSeconds(): number;
}

export interface LiveSteering {
  readonly clock: Clock;
  readonly vms: readonly LiveVm[];
  /** People with a button. */
  readonly buttons: readonly string[];
  /** The reservation in force per VM (admitted), whoever asked for it. */
  readonly held: ReadonlyMap<string, Reservation>;
  /** When each VM's reservation last changed, clock seconds. */
  readonly changed: ReadonlyMap<string, number>;
  /** The backend, recording what it admits in `held`. */
  readonly cpu: CpuControl;
  readonly log: readonly SteerEntry[];
  /** Applies an action now and records it in the scenario's `actions` at the clock's time. */
  act(a: Unpinned): Admission;
  /** The UUCS testcase started and stopped by actions: real borrower processes on this machine. */
  readonly uucs: UucsSession;
  /** The running testcase's borrower processes (none when no testcase runs). */
  readonly borrowers: () => number[];
  /** Every level change of a testcase, as uucs.csv rows. */
  readonly uucsRows: readonly BorrowRow[];
  /** Per-person events (button changes, joystick moves), as user.events.csv rows. */
  readonly events: { t: number; user: string; event: string; share: number; threshold: number; note: string }[];
  metrics(): Record<string, number>;
}

export function seatLive(s: Scenario, clock: Clock, backend: CpuControl, tap: ResponseTap, vms: readonly LiveVm[], journal: Journal): LiveSteering {
  const held = new Map<string, Reservation>();
  const changed = new Map<string, number>();
  // Every reservation, the people's included, goes through here so the console sees it.
  const cpu: CpuControl = {
    reserve(vm, r) {
      const v = backend.reserve(vm, r);
      if (v.admitted) {
        held.set(vm, r);
        changed.set(vm, clock.now);
      }
      return v;
    },
    release(vm) {
      backend.release(vm);
      held.delete(vm);
      changed.set(vm, clock.now);
    },
    usage: (vm) => backend.usage(vm),
    progress: (app) => backend.progress(app),
  };
  const streams = new RandomStreams(s.seed);
  const events: LiveSteering["events"] = [];
  const presses = new Map<string, () => Admission>();
  const people: { id: string; threshold: number; comfort: { responses: number; comfortable: number }; presses: () => number; share: () => number }[] = [];
  for (const u of s.policies.user?.users ?? []) {
    // The same stream name as in simulation: a live person is as sensitive as their simulated twin.
    const threshold = drawComfort(u.comfort, streams.get(`user.${u.id}.comfort`));
    if (u.control === "button") {
      const button = new ButtonController(clock, cpu, u.vm, u.button, u.start);
      const record = (r: ButtonRecord) => events.push({ t: r.t, user: u.id, event: r.event, share: r.share, threshold: r.threshold, note: r.note });
      // A start already due ran inside the constructor, on the wall clock.
      button.log.forEach(record);
      button.onRecord(record);
      const person = new ButtonUser(clock, tap, u.app, button, { threshold, window: u.window, reaction: u.reaction, refractory: u.refractory });
      presses.set(u.id, () => {
        button.press();
        const last = button.log[button.log.length - 1];
        return last.event === "refused" ? { admitted: false, reason: last.note } : { admitted: true };
      });
      people.push({ id: u.id, threshold, comfort: person, presses: () => person.presses.length, share: () => button.share });
    } else {
      const stick = new JoystickUser(clock, cpu, tap, u.vm, u.app, { ...u.joystick, threshold }, u.start);
      const record = (r: JoystickRecord) => events.push({ t: r.t, user: u.id, event: r.event, share: r.utilization, threshold: r.step, note: r.note });
      stick.log.forEach(record);
      stick.onRecord(record);
      people.push({ id: u.id, threshold, comfort: stick, presses: () => 0, share: () => stick.utilization });
    }
  }
  const log: SteerEntry[] = [];
  // Borrowers journaled in the run's journal: undone with the run, or by `live --cleanup`.
  let borrowers: LiveBorrowers | undefined;
  const uucsRows: BorrowRow[] = [];
  const uucs = new UucsSession(clock, (tc) => (borrowers = spawnBorrowers(tc, journal)), (r) => uucsRows.push(r));
  const decide = (a: Action): Admission => {
    switch (a.kind) {
      case "reserve":
        return cpu.reserve(a.vm, { period: a.period, slice: a.slice });
      // Live mode runs no VADAPT loop (refused before the run): an "adapt" has nothing to ask.
      case "adapt":
        return { admitted: false, reason: "live mode runs no VADAPT loop" };
      case "press":
        return presses.get(a.user)?.() ?? { admitted: false, reason: `no person "${a.user}" with a button in policies.user` };
      case "uucs-start": {
        const tc = typeof a.testcase === "string" ? s.policies.uucs?.testcases.find((t) => t.name === a.testcase) : a.testcase;
        return tc ? uucs.start(tc as Testcase) : { admitted: false, reason: `no testcase "${a.testcase}" in policies.uucs.testcases` };
      }
      case "uucs-stop":
        return uucs.stop();
    }
  };
  const details: Record<Action["kind"], (a: Action) => string> = {
    reserve: (a) => (a.kind === "reserve" ? `${ms(a.slice)} every ${ms(a.period)}` : ""),
    press: () => "button",
    adapt: () => "adapt now",
    "uucs-start": () => "start testcase",
    "uucs-stop": () => "stop testcase",
  };
  const apply = (a: Action): Admission => {
    // When it acted: before a start's borrowers are spawned (that takes a while on a busy machine).
    const t = clock.now;
    const target = actionTarget(a, uucs);
    const v = decide(a);
    log.push({ t, kind: a.kind, target, detail: details[a.kind](a), admitted: v.admitted, reason: v.admitted ? "" : v.reason });
    return v;
  };
  // Replayed actions at their wall times.
  for (const a of s.actions ?? []) clock.at(a.at, () => apply(a));
  return {
    clock,
    vms,
    buttons: [...presses.keys()],
    held,
    changed,
    cpu,
    log,
    uucs,
    borrowers: () => (uucs.current?.state === "running" ? borrowers?.pids ?? [] : []),
    uucsRows,
    events,
    act(a) {
      // Recorded at the time it acted (rounded to the millisecond), so the scenario repeats it.
      const at = Math.min(s.duration, Math.round(clock.now * 1000) / 1000);
      const action = { ...a, at } as Action;
      (s.actions ??= []).push(action);
      return apply(action);
    },
    metrics() {
      const m: Record<string, number> = {};
      for (const p of people) {
        m[`${p.id}.comfort_s`] = p.threshold;
        m[`${p.id}.presses`] = p.presses();
        m[`${p.id}.share`] = p.share();
        m[`${p.id}.comfortable`] = p.comfort.responses ? p.comfort.comfortable / p.comfort.responses : NaN;
      }
      if (log.length) Object.assign(m, { actions: log.length, refused: log.filter((e) => !e.admitted).length });
      return m;
    },
  };
}

function ms(s: number): string {
  return `${Number((s * 1000).toPrecision(4))} ms`;
}
