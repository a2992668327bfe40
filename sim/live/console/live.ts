/**
 * `virtuoso live --console`: the console on a live run (process or QEMU VMs). It shows each
 * host's VMs with their CPU share as measured over the last half second from the processes' own
 * CPU time, or a QEMU VM's vCPU threads' (every QEMU process that held it across migrations),
 * and the reservation in force (the scenario's, a person's, or one set from the page); it
 * steers through the live run's ports: a reservation goes to the live backend, whose
 * admission answers at once, and a press goes to the same ButtonController a simulated person
 * uses. Each steering action is recorded in the output's scenario.json `actions` at the wall
 * time it acted, so `virtuoso live` of that file repeats it (live, not byte for byte).
 */
import { z } from "zod";
import type { Claim } from "../../../analysis/output.js";
import type { Scenario } from "../../scenario/index.js";
import { zodProblems } from "../../scenario/problems.js";
import { id, positiveSeconds } from "../../scenario/quantities.js";
import type { BackendName } from "../backends.js";
import { runLive } from "../run.js";
import type { LiveSteering } from "../steer/index.js";
import type { RunningConsole } from "./server.js";
import { serve } from "./serve.js";
import { resolveTestcase, uucsState } from "./uucs.js";

export interface LiveConsoleOptions {
  port: number;
  bind: string;
  out: string;
  claim: Claim;
  /** Wall milliseconds between updates of the page. */
  tickMs?: number;
}

const request = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("reserve"), vm: id, period: positiveSeconds, slice: positiveSeconds }),
  z.strictObject({ kind: z.literal("press"), user: id }),
  z.strictObject({ kind: z.literal("uucs-start"), testcase: z.string().min(1).max(4096) }),
  z.strictObject({ kind: z.literal("uucs-stop") }),
]);

export async function startLiveConsole(s: Scenario, backend: BackendName, o: LiveConsoleOptions): Promise<RunningConsole> {
  let h: LiveSteering | undefined;
  let done = false;
  const prev = new Map<string, { t: number; cpu: number; share: number }>();
  const controlled = new Set(s.workloads.flatMap((w) => (w.kind === "bsp" && s.policies.control?.apps.some((a) => a.app === w.id) ? w.vms : [])));
  const qemu = s.live?.vms === "qemu";
  const state = () => ({
    t: h?.clock.now ?? 0,
    duration: s.duration,
    live: backend,
    vms: qemu ? "qemu" : "process",
    paused: false,
    done,
    out: done ? o.out : undefined,
    buttons: h?.buttons ?? [],
    hosts: s.platform.hosts.map((host) => ({
      id: host.id,
      scheduler: `live ${backend}${qemu ? ", QEMU" : ""}`,
      vms: (h?.vms ?? []).filter((v) => s.vms.find((x) => x.id === v.id)?.host === host.id).map((v) => {
        const now = h!.clock.now;
        const p = prev.get(v.id);
        // Read at most once per update, so every page sees the same window.
        let share = p?.share ?? 0;
        if (!done && (!p || now - p.t >= ((o.tickMs ?? 500) / 1000) * 0.9)) {
          const cpu = v.cpuSeconds();
          if (p) share = (cpu - p.cpu) / (now - p.t);
          prev.set(v.id, { t: now, cpu, share });
        }
        const r = h!.held.get(v.id);
        return { id: v.id, share, reservation: r ? { period: r.period, slice: r.slice } : null };
      }),
    })),
    // The borrowers' pids, so whoever watches can measure them from /proc.
    uucs: { ...uucsState(s, h?.uucs), borrowers: h?.borrowers() ?? [] },
    log: (h?.log ?? []).slice(-50).map((e) => ({ at: e.t, kind: e.kind, target: e.target, detail: e.detail, state: e.admitted ? "admitted" : "refused", reason: e.reason })),
    decisions: [],
  });
  const act = (body: unknown): { status: number; json: unknown } => {
    const p = request.safeParse(body);
    if (!p.success) return { status: 400, json: { problems: zodProblems(p.error) } };
    if (!h) return { status: 409, json: { problems: ["the run has not started yet"] } };
    if (done) return { status: 409, json: { problems: ["the run has ended"] } };
    const r = p.data;
    if (r.kind === "reserve" && !h.vms.some((v) => v.id === r.vm)) return { status: 400, json: { problems: [`vm: no live VM "${r.vm}"`] } };
    if (r.kind === "reserve" && controlled.has(r.vm)) return { status: 400, json: { problems: [`vm: "${r.vm}" is a rank of an application the rate controller drives; the controller sets its reservation`] } };
    if (r.kind === "press" && !h.buttons.includes(r.user)) return { status: 400, json: { problems: [`user: no person "${r.user}" with a button in policies.user`] } };
    if (r.kind === "uucs-start") {
      const tc = resolveTestcase(s, r.testcase);
      if ("problems" in tc) return { status: 400, json: { problems: tc.problems } };
      const v = h.act({ kind: "uucs-start", testcase: tc.testcase });
      served.broadcast();
      return { status: 200, json: v };
    }
    const v = h.act(r);
    served.broadcast();
    return { status: 200, json: v };
  };
  const served = await serve(s.name, o, state, act);
  const timer = setInterval(() => served.broadcast(), o.tickMs ?? 500);
  const finished = runLive(s, backend, { steer: (x) => (h = x) }).then(
    (r) => {
      r.stage(o.out).commit({ claim: o.claim });
      done = true;
      clearInterval(timer);
      served.broadcast();
      return o.out;
    },
    (err) => {
      // A failed run leaves no output.
      o.claim.abandon();
      done = true;
      clearInterval(timer);
      throw err;
    },
  );
  return {
    url: served.url,
    done: finished,
    async close() {
      clearInterval(timer);
      await served.close();
    },
  };
}
