/**
 * `virtuoso console` (under sim/live/: it paces a run in wall time and draws a random token):
 * a small web server that runs a simulation paced in real time (or stepped), shows its hosts, VMs, CPU shares and reservations over server-sent events, and
 * takes steering actions. Every action that changes the run is applied at the next step's
 * simulated time and recorded in `actions`, so the output's scenario.json replays the run
 * exactly. Bound to 127.0.0.1 unless told otherwise; every request needs the random token in
 * its URL, so another local user or a page from elsewhere cannot steer it either.
 */
import { z } from "zod";
import type { Claim } from "../../../analysis/output.js";
import { DispatchedCpu } from "../../platform/index.js";
import { provenance, startScenario } from "../../runner/index.js";
import { parseScenario, type Scenario } from "../../scenario/index.js";
import { zodProblems } from "../../scenario/problems.js";
import type { AdaptLoop } from "../../control/index.js";
import { actionSchema, type Action, type Steering } from "../../steer/index.js";
import { id, positiveSeconds } from "../../scenario/quantities.js";
import { VSched } from "../../vsched/index.js";
import type { Vttif } from "../../vttif/index.js";
import { serve } from "./serve.js";
import { resolveTestcase, uucsState } from "./uucs.js";

export interface ConsoleOptions {
  port: number;
  bind: string;
  /** Simulated seconds per wall second. */
  speed: number;
  /** Output folder, claimed by the caller; the run's files go there when it ends. */
  out: string;
  claim: Claim;
  paused: boolean;
  /** Wall milliseconds per step. */
  tickMs?: number;
}

const request = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("pause") }),
  z.strictObject({ kind: z.literal("resume") }),
  z.strictObject({ kind: z.literal("step") }),
  z.strictObject({ kind: z.literal("reserve"), vm: id, period: positiveSeconds, slice: positiveSeconds }),
  z.strictObject({ kind: z.literal("press"), user: id }),
  z.strictObject({ kind: z.literal("adapt") }),
  z.strictObject({ kind: z.literal("uucs-start"), testcase: z.string().min(1).max(4096) }),
  z.strictObject({ kind: z.literal("uucs-stop") }),
]);

interface LogEntry {
  at: number;
  kind: string;
  target: string;
  detail: string;
  state: "pending" | "admitted" | "refused";
  reason: string;
}

export interface RunningConsole {
  url: string;
  /** Resolves with the output folder once the run has ended and its files are written. */
  done: Promise<string>;
  close(): Promise<void>;
}

export async function startConsole(base: Scenario, o: ConsoleOptions): Promise<RunningConsole> {
  // Parsed afresh so `actions` sits where the schema puts it: the written scenario.json is then
  // byte for byte what a replay of it writes.
  const scenario: Scenario = parseScenario(JSON.parse(JSON.stringify({ ...base, actions: base.actions ?? [] })));
  const run = startScenario(scenario);
  const { sim, world } = run;
  const steering = run.models.get("steering") as Steering;
  const adapt = (run.models.get("adapt") as { loop?: AdaptLoop } | undefined)?.loop;
  const tickMs = o.tickMs ?? 100;
  const step = (o.speed * tickMs) / 1000;
  const buttons = (scenario.policies.user?.users ?? []).filter((u) => u.control === "button").map((u) => u.id);
  let k = 0;
  let paused = o.paused;
  let done = false;
  const log: LogEntry[] = [];
  const prevUsage = new Map<string, { t: number; cpu: number; share: number }>();

  const vsched = (vm: string) => {
    const s = world.vm(vm).host.scheduler;
    return s instanceof DispatchedCpu && s.policy instanceof VSched ? s.policy : undefined;
  };
  const vttif = (run.models.get("vttif") as { vttif?: Vttif } | undefined)?.vttif;
  const overlayLinks = () => {
    const links: { a: string; b: string }[] = [];
    for (const [h, d] of world.vnet.daemons) for (const o of d.links.keys()) if (h.id < o.id) links.push({ a: h.id, b: o.id });
    return { hosts: [...world.hosts.keys()], proxy: world.vnet.proxy?.id ?? null, links };
  };
  const inferred = () => {
    const c = vttif?.current;
    if (!c) return null;
    return { t: c.t, app: c.app, topology: c.topology, confidence: c.confidence, vms: c.vms, edges: Array.from(c.src, (s, i) => ({ a: c.names[s], b: c.names[c.dst[i]], w: c.weight[i] })) };
  };
  const state = () => ({
    t: sim.now,
    duration: scenario.duration,
    paused,
    done,
    out: done ? o.out : undefined,
    buttons,
    hosts: [...world.hosts.values()].map((h) => ({
      id: h.id,
      scheduler: h.scheduler.name,
      vms: [...world.vms.values()].filter((v) => v.host === h).map((v) => {
        // CPU share over the last step, read without settling the VM's counters.
        const cpu = v.cpuSecondsNow();
        const prev = prevUsage.get(v.name);
        const share = prev && sim.now > prev.t ? (cpu - prev.cpu) / (sim.now - prev.t) : (prev?.share ?? 0);
        prevUsage.set(v.name, { t: sim.now, cpu, share });
        const r = vsched(v.name)?.reservationOf(v.name);
        return { id: v.name, share, reservation: r ? { period: r.period, slice: r.slice } : null };
      }),
    })),
    log: log.slice(-50),
    adapt: !!adapt,
    // The VNET overlay's links between daemons (hosts), and VTTIF's latest inferred topology.
    overlay: world.vnet.enabled ? overlayLinks() : null,
    topology: inferred(),
    uucs: uucsState(scenario, steering.uucs),
    decisions: (adapt?.decisions ?? []).slice(-10).map((d) => ({ t: d.t, algorithm: d.algorithm, applied: d.applied, migrations: d.migrations, routes: d.routes, reason: d.reason })),
  });
  let broadcast = () => {};

  let finish!: (dir: string) => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<string>((res, rej) => ((finish = res), (fail = rej)));
  const advance = () => {
    if (done) return;
    k++;
    sim.run({ until: Math.min(scenario.duration, k * step) });
    if (sim.now >= scenario.duration) {
      try {
        const r = run.finish();
        r.stage(o.out, { provenance: provenance(scenario) }).commit({ claim: o.claim });
        done = true;
        finish(o.out);
      } catch (err) {
        // A failed run leaves no output.
        o.claim.abandon();
        done = true;
        fail(err);
      }
    }
    broadcast();
  };
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (!paused) advance();
    if (!done) timer = setTimeout(loop, tickMs);
  };

  /** Applies an action at the next step's time; its verdict shows in the log. */
  const steer = (a: Action, target: string, detail: string) => {
    const entry: LogEntry = { at: a.at, kind: a.kind, target, detail, state: "pending", reason: "" };
    log.push(entry);
    scenario.actions!.push(a);
    steering.add(a, (v) => {
      entry.state = v.admitted ? "admitted" : "refused";
      entry.reason = v.admitted ? "" : v.reason;
    });
  };

  const act = (body: unknown): { status: number; json: unknown } => {
    const p = request.safeParse(body);
    if (!p.success) return { status: 400, json: { problems: zodProblems(p.error) } };
    const r = p.data;
    if (r.kind === "pause" || r.kind === "resume") {
      paused = r.kind === "pause";
      broadcast();
      return { status: 200, json: { paused } };
    }
    if (r.kind === "step") {
      if (!paused) return { status: 409, json: { problems: ["step: pause the run first"] } };
      advance();
      return { status: 200, json: { t: sim.now } };
    }
    if (done) return { status: 409, json: { problems: ["the run has ended"] } };
    const at = Math.min(scenario.duration, (k + 1) * step);
    if (r.kind === "reserve") {
      if (!world.vms.has(r.vm)) return { status: 400, json: { problems: [`vm: no VM "${r.vm}"`] } };
      steer(actionSchema.parse({ at, kind: "reserve", vm: r.vm, period: r.period, slice: r.slice }), r.vm, `${ms(r.slice)} every ${ms(r.period)}`);
    } else if (r.kind === "adapt") {
      if (!adapt) return { status: 400, json: { problems: ["adapt: the scenario has no policies.adapt"] } };
      steer(actionSchema.parse({ at, kind: "adapt" }), "VADAPT", "adapt now");
    } else if (r.kind === "uucs-start") {
      const tc = resolveTestcase(scenario, r.testcase);
      if ("problems" in tc) return { status: 400, json: { problems: tc.problems } };
      steer(actionSchema.parse({ at, kind: "uucs-start", testcase: tc.testcase }), tc.name, "start testcase");
    } else if (r.kind === "uucs-stop") {
      const c = steering.uucs.current;
      steer(actionSchema.parse({ at, kind: "uucs-stop" }), c?.state === "running" ? c.testcase.name : "UUCS", "stop testcase");
    } else {
      if (!buttons.includes(r.user)) return { status: 400, json: { problems: [`user: no person "${r.user}" with a button in policies.user`] } };
      steer(actionSchema.parse({ at, kind: "press", user: r.user }), r.user, "button");
    }
    broadcast();
    return { status: 200, json: { at } };
  };

  const served = await serve(scenario.name, o, state, act);
  broadcast = () => served.broadcast();
  timer = setTimeout(loop, tickMs);
  return {
    url: served.url,
    done: finished,
    async close() {
      clearTimeout(timer);
      await served.close();
    },
  };
}

function ms(s: number): string {
  return `${Number((s * 1000).toPrecision(4))} ms`;
}
