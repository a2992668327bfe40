/**
 * Applies steering actions at their simulated times, before anything else due then (so a
 * console run, which can only add an action for a later step, and its replay, which has them
 * all from the start, order them the same). Each action and its verdict goes to the
 * `steering` table.
 */
import type { Simulation } from "../kernel/index.js";
import { SimCpuControl, type World } from "../platform/index.js";
import type { Admission } from "../ports/index.js";
import type { Scenario } from "../scenario/index.js";
import type { Model } from "../workload/index.js";
import type { Action } from "./schema.js";
import type { AdaptLoop } from "../control/index.js";
import { UucsSession, type Testcase } from "../uucs/index.js";
import { borrowedCpu } from "./borrow.js";

/** Before URGENT (0): steering is the first thing that happens at its time. */
export const STEER = -1;

export interface Steering extends Model {
  /** Schedules an action (at or after now); `done` hears its verdict once applied. */
  add(a: Action, done?: (v: Admission) => void): void;
  readonly log: { action: Action; verdict: Admission }[];
  /** The UUCS testcase started and stopped by actions, borrowing the CPU of policies.uucs.host. */
  readonly uucs: UucsSession;
}

interface Pressable {
  press?(user: string): Admission;
}

export function installSteering(sim: Simulation, world: World, scenario: Scenario, models: ReadonlyMap<string, Model>): Steering | undefined {
  if (!scenario.actions) return undefined;
  const cpu = new SimCpuControl(world);
  const table = sim.trace.table("steering", { t: "f64", kind: "str", target: "str", period: "f64", slice: "f64", admitted: "i32", reason: "str" });
  const log: Steering["log"] = [];
  let uucsTable: ReturnType<typeof sim.trace.table> | undefined;
  const newTable = () => sim.trace.table("uucs", { t: "f64", testcase: "str", resource: "str", level: "f64", state: "str" });
  // Made now when the scenario can borrow (so outputs.tables may name it), else at a console's first start.
  if (scenario.policies.uucs || scenario.actions.some((a) => a.kind === "uucs-start")) uucsTable = newTable();
  const uucs = new UucsSession(sim, borrowedCpu(world, scenario.policies.uucs?.host), (r) => {
    uucsTable ??= newTable();
    uucsTable.row(r.t, r.testcase, r.resource, r.level, r.state);
  });
  const apply = (a: Action): Admission => {
    if (a.kind === "reserve") return cpu.reserve(a.vm, { period: a.period, slice: a.slice });
    if (a.kind === "adapt") return adaptNow(models);
    if (a.kind === "uucs-start") {
      const tc = typeof a.testcase === "string" ? scenario.policies.uucs?.testcases.find((t) => t.name === a.testcase) : a.testcase;
      return tc ? uucs.start(tc as Testcase) : { admitted: false, reason: `no testcase "${a.testcase}" in policies.uucs.testcases` };
    }
    if (a.kind === "uucs-stop") return uucs.stop();
    const users = models.get("user") as (Model & Pressable) | undefined;
    return users?.press ? users.press(a.user) : { admitted: false, reason: `no person "${a.user}" with a button in policies.user` };
  };
  const add: Steering["add"] = (a, done) => {
    sim.scheduleAt(a.at, () => {
      // A stop names the testcase it stops, so the target is read before the action applies.
      const target = actionTarget(a, uucs);
      const v = apply(a);
      log.push({ action: a, verdict: v });
      table.row(sim.now, a.kind, target, a.kind === "reserve" ? a.period : NaN, a.kind === "reserve" ? a.slice : NaN, v.admitted ? 1 : 0, v.admitted ? "" : v.reason);
      done?.(v);
    }, undefined, STEER);
  };
  for (const a of scenario.actions) add(a);
  return {
    add,
    log,
    uucs,
    metrics: () => ({ actions: log.length, refused: log.filter((x) => !x.verdict.admitted).length }),
  };
}

/** One step of VADAPT's loop now; refused when the loop decides nothing then (busy migrating,
 * VTTIF's window not yet full, within its quiet time, or its application done). */
function adaptNow(models: ReadonlyMap<string, Model>): Admission {
  const loop = (models.get("adapt") as (Model & { loop?: AdaptLoop }) | undefined)?.loop;
  if (!loop) return { admitted: false, reason: "the scenario has no policies.adapt" };
  const before = loop.decisions.length;
  loop.step();
  return loop.decisions.length > before ? { admitted: true } : { admitted: false, reason: "VADAPT decided nothing now (migrating, VTTIF's window not yet full, within its quiet time, or done)" };
}

/** Whom an action is about, for the steering table and the console's log. */
export function actionTarget(a: Action, uucs?: UucsSession): string {
  switch (a.kind) {
    case "reserve":
      return a.vm;
    case "press":
      return a.user;
    case "adapt":
      return "VADAPT";
    case "uucs-start":
      return typeof a.testcase === "string" ? a.testcase : a.testcase.name;
    case "uucs-stop":
      return uucs?.current?.state === "running" ? uucs.current.testcase.name : "UUCS";
  }
}
