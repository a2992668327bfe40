/**
 * Puts the scenario's simulated people at their VMs: each draws a comfort threshold, perceives
 * its interactive workload's response times through a ResponseTap and steers the VM's
 * reservation through CpuControl (the button controller, or the joystick).
 */
import { chart } from "../../analysis/chart.js";
import { colour } from "../../analysis/style.js";
import type { Simulation } from "../kernel/index.js";
import { SimCpuControl, type World } from "../platform/index.js";
import type { Admission, ResponseTap } from "../ports/index.js";
import type { Scenario } from "../scenario/index.js";
import type { Model } from "../workload/index.js";
import { ButtonController } from "./button.js";
import { drawComfort } from "./comfort.js";
import { JoystickUser } from "./joystick.js";
import { ButtonUser } from "./presser.js";

/** A workload model that reports each response (the interactive one does). */
interface Observable {
  observe?(fn: (response: number) => void): void;
}

/** Response times straight from the simulated interactive workloads. */
export function modelResponses(models: ReadonlyMap<string, Model>): ResponseTap {
  return {
    observe(app, fn) {
      const m = models.get(app) as (Model & Observable) | undefined;
      if (!m?.observe) throw new Error(`policies.user: workload "${app}" reports no response times`);
      m.observe(fn);
    },
  };
}

interface Person {
  id: string;
  control: "button" | "joystick";
  threshold: number;
  responses: [number, number][];
  presses: number[];
  /** (t, reserved share) after every change. */
  shares: [number, number][];
  comfort(): { responses: number; comfortable: number };
  extra(): Record<string, number>;
}

export function installUsers(sim: Simulation, world: World, scenario: Scenario, models: ReadonlyMap<string, Model>): (Model & { press(user: string): Admission }) | undefined {
  const spec = scenario.policies.user;
  if (!spec) return undefined;
  const cpu = new SimCpuControl(world);
  const tap = modelResponses(models);
  const buttons = new Map<string, ButtonController>();
  const events = sim.trace.table("user.events", { t: "f64", user: "str", event: "str", share: "f64", threshold: "f64", note: "str" });
  const people: Person[] = spec.users.map((u) => {
    const threshold = drawComfort(u.comfort, sim.rng(`user.${u.id}.comfort`));
    const responses: [number, number][] = [];
    tap.observe(u.app, (r) => responses.push([sim.now, r]));
    const shares: [number, number][] = [];
    if (u.control === "button") {
      const button = new ButtonController(sim, cpu, u.vm, u.button, u.start);
      buttons.set(u.id, button);
      button.onRecord((r) => {
        events.row(r.t, u.id, r.event, r.share, r.threshold, r.note);
        shares.push([r.t, r.share]);
      });
      const person = new ButtonUser(sim, tap, u.app, button, { threshold, window: u.window, reaction: u.reaction, refractory: u.refractory });
      return { id: u.id, control: "button", threshold, responses, presses: person.presses, shares, comfort: () => person, extra: () => ({ rate_threshold: button.state.threshold }) };
    }
    const stick = new JoystickUser(sim, cpu, tap, u.vm, u.app, { ...u.joystick, threshold }, u.start);
    let moves = 0;
    stick.onRecord((r) => {
      events.row(r.t, u.id, r.event, r.utilization, r.step, r.note);
      shares.push([r.t, r.utilization]);
      if (r.event === "move") moves++;
    });
    // No button: `presses` stays empty; the moves are counted instead.
    return { id: u.id, control: "joystick", threshold, responses, presses: [], shares, comfort: () => stick, extra: () => ({ step: stick.step, moves }) };
  });
  return {
    /** A press by hand (from the console, or a replayed `actions` entry). */
    press(user: string): Admission {
      const b = buttons.get(user);
      if (!b) return { admitted: false, reason: `no person "${user}" with a button in policies.user` };
      b.press();
      const last = b.log[b.log.length - 1];
      return last.event === "refused" ? { admitted: false, reason: last.note } : { admitted: true };
    },
    metrics() {
      const m: Record<string, number> = {};
      for (const p of people) {
        const c = p.comfort();
        const from = scenario.duration / 2;
        m[`${p.id}.comfort_s`] = p.threshold;
        m[`${p.id}.presses`] = p.presses.length;
        m[`${p.id}.presses_late`] = p.presses.filter((t) => t >= from).length;
        m[`${p.id}.share`] = p.shares.length ? p.shares[p.shares.length - 1][1] : NaN;
        m[`${p.id}.given_away`] = 1 - timeMean(p.shares, 0, sim.now);
        m[`${p.id}.given_away_late`] = 1 - timeMean(p.shares, from, sim.now);
        m[`${p.id}.comfortable`] = c.responses ? c.comfortable / c.responses : NaN;
        for (const [k, v] of Object.entries(p.extra())) m[`${p.id}.${k}`] = v;
      }
      return m;
    },
    figures() {
      const out: Record<string, string> = {};
      people.forEach((p, i) => {
        const c = colour(i);
        const presses = p.presses.map((t) => ({ at: t, label: "press" }));
        out[`user.${p.id}.share`] = chart({
          title: p.presses.length || p.control === "button" ? `${p.id}: reserved share of the VM against presses` : `${p.id}: reserved share of the VM (joystick)`,
          x: { label: "time (s)" },
          y: { label: "reserved share of a core" },
          series: [{ name: "share", points: p.shares, kind: "step", colour: c, markers: false }],
          marks: presses,
          markName: "press",
        });
        out[`user.${p.id}.response`] = chart({
          title: `${p.id}: response time${p.control === "button" ? " against presses" : ""} (comfort ${(p.threshold * 1000).toFixed(0)} ms)`,
          x: { label: "time (s)" },
          y: { label: "response time (s)", log: true },
          series: [
            { name: "response", points: p.responses, kind: "scatter", colour: c },
            { name: "comfort threshold", points: [[0, p.threshold], [sim.now, p.threshold]], dash: "6 3", markers: false, colour: "#555" },
          ],
          marks: presses,
          markName: "press",
        });
      });
      return out;
    },
  };
}

/** Time-weighted mean of a step function given as (t, value) changes, over [from, to]. */
export function timeMean(steps: readonly [number, number][], from: number, to: number): number {
  if (to <= from) return NaN;
  let sum = 0;
  for (let i = 0; i < steps.length; i++) {
    const a = Math.max(from, steps[i][0]);
    const b = Math.min(to, i + 1 < steps.length ? steps[i + 1][0] : to);
    if (b > a) sum += steps[i][1] * (b - a);
  }
  const start = steps.length ? Math.max(from, steps[0][0]) : to;
  return start < to ? sum / (to - start) : NaN;
}
