/**
 * A BSP "patterns" application: ranks are VMs; each superstep every rank computes, then the
 * ranks exchange messages in a pattern, then all meet at a barrier. Callback-driven, so
 * thousands of ranks cost no process objects.
 */
import type { Simulation } from "../kernel/index.js";
import type { Message, Vm, World } from "../platform/index.js";
import type { Model } from "./model.js";
import { patternPhases, type Phases } from "./patterns.js";
import type { BspSpec } from "./schema.js";

/** Per phase, each rank's destinations, and how many messages it must have before it. */
function plan(phases: Phases, n: number) {
  const P = phases.length;
  const out = phases.map((msgs) => {
    const o: number[][] = Array.from({ length: n }, () => []);
    for (const [s, d] of msgs) o[s].push(d);
    return o;
  });
  const need = new Array<Int32Array>(P + 1);
  need[0] = new Int32Array(n);
  for (let p = 0; p < P; p++) {
    need[p + 1] = need[p].slice();
    for (const [, d] of phases[p]) need[p + 1][d]++;
  }
  return { P, out, need, totalMessages: phases.reduce((s, m) => s + m.length, 0) };
}

export interface BspApp extends Model {
  /** The pattern superstep k uses. */
  patternAt(k: number): string;
  /** Supersteps completed so far. */
  readonly done: number;
  /** Each superstep's start and end. */
  readonly steps: { start: number; end: number }[];
}

export function installBsp(sim: Simulation, spec: BspSpec, world: World): BspApp {
  const ranks: Vm[] = spec.vms.map((v) => world.vm(v));
  const n = ranks.length;
  // The pattern of each superstep: one pattern, or a sequence repeated.
  const sequence = spec.sequence ?? [{ pattern: spec.pattern, supersteps: 1 }];
  const plans = new Map(sequence.map((s) => [s.pattern, plan(patternPhases(s.pattern, n), n)]));
  const perRound = sequence.reduce((k, s) => k + s.supersteps, 0);
  const totalSteps = spec.sequence ? spec.supersteps * perRound : spec.supersteps;
  const patternAt = (k: number) => {
    let r = k % perRound;
    for (const s of sequence) {
      if (r < s.supersteps) return s.pattern;
      r -= s.supersteps;
    }
    return sequence[0].pattern;
  };
  let P = 0, out: number[][][] = [], need: Int32Array[] = [], totalMessages = 0;
  const received = new Int32Array(n);
  const phase = new Int32Array(n);
  const computed = new Uint8Array(n);
  let delivered = 0, computedCount = 0;
  const steps: { start: number; end: number }[] = [];
  const table = sim.trace.table(`${spec.id}.supersteps`, { step: "i32", start: "f64", end: "f64", duration: "f64" });
  let finished = false;

  // One callback for every message (not a closure each): the receiver is found by its VM.
  const rankOf = new Map(ranks.map((vm, i) => [vm, i]));
  const arrived = (m: Message) => deliver(rankOf.get(m.dst)!);
  const advance = (i: number) => {
    if (!computed[i]) return;
    while (phase[i] < P && received[i] >= need[phase[i]][i]) {
      for (const d of out[phase[i]][i]) world.send(ranks[i], ranks[d], spec.messageBytes, arrived);
      phase[i]++;
    }
  };
  const deliver = (d: number) => {
    received[d]++;
    delivered++;
    advance(d);
    maybeEnd();
  };
  const rankComputed = (i: number) => {
    computed[i] = 1;
    computedCount++;
    advance(i);
    maybeEnd();
  };
  const maybeEnd = () => {
    if (computedCount < n || delivered < totalMessages) return;
    const s = steps[steps.length - 1];
    s.end = sim.now;
    table.row(steps.length - 1, s.start, s.end, s.end - s.start);
    if (steps.length < totalSteps) begin();
    else finished = true;
  };
  const begin = () => {
    ({ P, out, need, totalMessages } = plans.get(patternAt(steps.length))!);
    steps.push({ start: sim.now, end: NaN });
    received.fill(0);
    phase.fill(0);
    computed.fill(0);
    delivered = computedCount = 0;
    for (let i = 0; i < n; i++) {
      const rank = i;
      ranks[i].compute(spec.computeOps, () => rankComputed(rank));
    }
  };
  sim.scheduleAt(spec.start, begin);
  const done = () => (finished ? steps.length : Math.max(0, steps.length - 1));
  world.progress.set(spec.id, done);

  return {
    get done() {
      return done();
    },
    steps,
    metrics() {
      const complete = steps.filter((s) => Number.isFinite(s.end));
      const durations = complete.map((s) => s.end - s.start);
      return {
        ranks: n,
        supersteps: complete.length,
        finished,
        runtime_s: finished ? steps[steps.length - 1].end - spec.start : NaN,
        mean_superstep_s: durations.reduce((a, b) => a + b, 0) / durations.length,
        messages_per_superstep: totalMessages,
      };
    },
    patternAt,
  };
}
