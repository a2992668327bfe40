import test from "ava";
import fc from "fast-check";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { which } from "../../sim/live/backends.js";
import { bspParam, GUEST_PATTERNS, rankPlan } from "../../sim/live/vm/bsp.js";
import { macOf } from "../../sim/live/vm/net.js";
import { patternNames, patternPhases, type Pattern } from "../../sim/workload/patterns.js";
import { parseScenario } from "../../sim/scenario/index.js";
import type { BspSpec } from "../../sim/workload/schema.js";
import { tempDir } from "../helpers.js";
import { poll } from "./poll.js";

/** A rank's plan read back: per sequence entry, its count, total and phases. */
function decode(plan: string) {
  return plan.split(",").map((e) => {
    const [count, total, phases] = e.split("@");
    return {
      count: Number(count),
      total: Number(total),
      phases: phases.split(";").map((p) => {
        const [need, dsts] = p.split(":");
        return { need: Number(need), dst: dsts ? dsts.split(".").map(Number) : [] };
      }),
    };
  });
}

test("each rank's plan, run as the guest runs it, sends exactly the pattern's messages and never waits forever", (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...patternNames), fc.integer({ min: 1, max: 16 }), (pattern: Pattern, n) => {
      const plans = Array.from({ length: n }, (_, r) => decode(rankPlan([{ pattern, supersteps: 3 }], n, r))[0]);
      // The ranks' sends, as the guest program would make them: phase by phase, each once its
      // NEED messages have arrived; run until nothing moves.
      const received = new Array(n).fill(0), phase = new Array(n).fill(0);
      const sent: string[] = [];
      for (let moved = true; moved; ) {
        moved = false;
        for (let r = 0; r < n; r++) {
          while (phase[r] < plans[r].phases.length && received[r] >= plans[r].phases[phase[r]].need) {
            for (const d of plans[r].phases[phase[r]].dst) (sent.push(`${r}>${d}`), received[d]++);
            phase[r]++;
            moved = true;
          }
        }
      }
      const want = patternPhases(pattern, n).flat().map(([s, d]) => `${s}>${d}`);
      if (JSON.stringify([...sent].sort()) !== JSON.stringify([...want].sort())) return false;
      // Every rank got what its plan says ends its superstep.
      return plans.every((p, r) => p.count === 3 && p.total === received[r]);
    }),
  );
  t.pass();
});

test("the guest patterns are those in which every rank receives every superstep", (t) => {
  for (const p of patternNames) {
    const every = [2, 3, 5, 8].every((n) => new Set(patternPhases(p, n).flat().map(([, d]) => d)).size === n);
    t.is(GUEST_PATTERNS.has(p), every, p);
  }
});

test("VM MACs are derived from the id alone: stable, locally administered unicast, and distinct", (t) => {
  t.is(macOf("vm1"), macOf("vm1"));
  const ids = Array.from({ length: 200 }, (_, i) => `vm${i}`);
  const macs = ids.map(macOf);
  t.is(new Set(macs).size, ids.length);
  for (const m of macs) {
    t.regex(m, /^52:54:00(:[0-9a-f]{2}){3}$/);
    // 0x52: the locally administered bit set, the multicast bit clear.
    t.is(parseInt(m.slice(0, 2), 16) & 3, 2);
  }
});

test("a rank's kernel parameter fits the kernel's command line for 64 all-to-all ranks", (t) => {
  const vms = Array.from({ length: 64 }, (_, i) => `r${i}`);
  const s = parseScenario({ name: "x", duration: 1, platform: { hosts: [{ id: "h" }] }, vms: vms.map((id) => ({ id, host: "h" })), workloads: [{ kind: "bsp", id: "a", vms, pattern: "all-to-all", messageBytes: 1, computeOps: 1, supersteps: 1 }] });
  const w = s.workloads[0];
  if (w.kind !== "bsp") return t.fail();
  const p = bspParam(w, 63, vms.map((_, i) => `10.0.0.${i + 2}`));
  t.true(p.length < 1500, `${p.length} characters`);
  t.false(/\s/.test(p));
});

// The guest's rank program, built natively and run on loopback addresses: the same source the
// guest runs, checked without QEMU.
const gcc = which("gcc") ? undefined : "gcc is not installed";
(gcc ? test.skip : test)("the guest's BSP rank program, on loopback: every rank completes every superstep of a ring then all-to-all sequence, in order", async (t) => {
  const bin = join(tempDir(), "bsp");
  execFileSync("gcc", ["-O2", "-o", bin, join("sim/live/vm/guest/bsp.c")]);
  const n = 4, steps = 40;
  const addresses = Array.from({ length: n }, (_, i) => `127.0.0.${30 + i}`);
  const w = { kind: "bsp", id: "a", vms: addresses, pattern: "ring", messageBytes: 100000, computeOps: 1e5, supersteps: 4, sequence: [{ pattern: "ring", supersteps: 3 }, { pattern: "all-to-all", supersteps: 7 }], start: 0 } satisfies BspSpec;
  const port = 20000 + (process.pid % 20000);
  const ranks = addresses.map((_, r) => {
    const args = bspParam(w, r, addresses).split("/");
    args[1] = String(port);
    const child = spawn(bin, args, { stdio: ["pipe", "pipe", "inherit"] });
    const lines: string[] = [];
    child.stdout!.setEncoding("utf8").on("data", (d: string) => lines.push(...d.split("\n").filter(Boolean)));
    return { child, lines };
  });
  try {
    await poll("every rank connected", () => ranks.every((r) => r.lines.some((l) => l.includes("connected"))), 30);
    // Nothing runs before "go".
    t.false(ranks.some((r) => r.lines.some((l) => l.includes("step"))));
    for (const r of ranks) r.child.stdin!.write("go\n");
    await poll("every rank done", () => ranks.every((r) => r.lines.some((l) => l.includes("bsp done"))), 60);
    for (const r of ranks) {
      const got = r.lines.filter((l) => l.includes(": step ")).map((l) => Number(l.split(" ").pop()));
      t.deepEqual(got, Array.from({ length: steps }, (_, k) => k + 1));
    }
  } finally {
    for (const r of ranks) r.child.kill("SIGKILL");
  }
});
