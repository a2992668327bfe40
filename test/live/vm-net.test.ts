/**
 * QEMU VMs on the run's bridge running the BSP patterns program: the global rate controller
 * holds two applications at their targets from the guests' own progress, VTTIF classifies
 * their traffic from nftables counters on the bridge, and nothing of the network remains.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compare } from "../../analysis/compare.js";
import { claim } from "../../analysis/output.js";
import { runLive } from "../../sim/live/index.js";
import { leftoverTables, NFT } from "../../sim/live/nftap.js";
import { leftoverLinks, macOf, VmNetwork } from "../../sim/live/vm/net.js";
import { Journal } from "../../sim/live/journal.js";
import { execFileSync } from "node:child_process";
import { runScenario } from "../../sim/runner/index.js";
import { loadScenario } from "../../sim/scenario/index.js";
import { root, tempDir } from "../helpers.js";
import { liveTest, vmProblem } from "./vm-env.js";

const noNft = (): string | undefined => (NFT ? undefined : "nft (nftables) is not installed");

/** Nothing of this process's runs is left on the machine's network. */
function networkClean(t: import("ava").ExecutionContext): void {
  t.deepEqual(leftoverLinks(process.pid), [], "no tap or bridge of the run");
  t.deepEqual(leftoverTables().filter((l) => l.includes(`virtuoso_${process.pid}`)), [], "no nftables table of the run");
}

const noNet = (): string | undefined => (process.getuid?.() !== 0 ? "needs root" : !NFT ? "nft (nftables) is not installed" : !existsSync("/dev/net/tun") ? "no /dev/net/tun" : undefined);

liveTest("the run's network: a bridge, one tap per VM on it, addresses and MACs by VM, a bridge-family counting table; the journal removes all of it", noNet(), (t) => {
  const journal = new Journal(tempDir());
  const net = new VmNetwork(["a", "b", "c"], journal);
  try {
    t.deepEqual(leftoverLinks(process.pid).sort(), [`vt${process.pid}-0`, `vt${process.pid}-1`, `vt${process.pid}-2`, `vtbr${process.pid}`]);
    for (const [i, vm] of ["a", "b", "c"].entries()) {
      const p = net.port(vm);
      t.is(p.mac, macOf(vm));
      t.is(net.address(vm), `10.0.0.${i + 2}`);
      t.is(readFileSync(`/sys/class/net/${p.tap}/master/ifindex`, "utf8"), readFileSync(`/sys/class/net/${net.bridge}/ifindex`, "utf8"), `${p.tap} is on the bridge`);
    }
    // Nothing on the run's segment reaches the host: the bridge has no address at all.
    t.is(execFileSync("ip", ["-o", "addr", "show", "dev", net.bridge], { encoding: "utf8" }).trim(), "");
    const tap = net.count();
    const rules = execFileSync(NFT!, ["list", "table", "bridge", `virtuoso_${process.pid}`], { encoding: "utf8" });
    // One counter per ordered pair, at the sender's port, by the receiver's MAC.
    t.is(rules.match(/counter/g)!.length, 6);
    t.regex(rules, new RegExp(`iifname "vt${process.pid}-0" ether daddr ${macOf("b")} counter`));
    t.deepEqual(tap.read("localhost"), [], "no traffic yet");
  } finally {
    journal.undo();
  }
  t.deepEqual(leftoverLinks(process.pid), []);
  t.deepEqual(leftoverTables().filter((l) => l.includes(`virtuoso_${process.pid}`)), []);
});

liveTest("the global rate controller holds two BSP applications in QEMU VMs at their target rates within 10%, from the guests' supersteps", vmProblem("deadline"), async (t) => {
  const s = loadScenario(`${root}/scenarios/live-vms-control.json`);
  const r = await runLive(s, "deadline");
  const out = join(tempDir(), "live");
  r.stage(out).commit({ claim: claim(out) });
  const m = r.summary.metrics as Record<string, Record<string, number>>;
  t.log(JSON.stringify(m.control), JSON.stringify(m.A), JSON.stringify(m.B));
  // The controller's own records, each over one interval: their mean over the second half.
  const rows = readFileSync(join(out, "control.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  for (const app of s.policies.control!.apps) {
    const target = app.targets[0].rate;
    const late = rows.filter((x) => x[1] === app.app && Number(x[0]) > s.duration / 2).map((x) => Number(x[3]));
    t.true(late.length >= 4, `${app.app}: ${late.length} control intervals in the second half`);
    const mean = late.reduce((a, b) => a + b, 0) / late.length;
    t.true(Math.abs(mean - target) <= 0.1 * target, `${app.app}: ${mean.toFixed(4)} of the dedicated rate against a target of ${target}`);
    // The summary's supersteps are the consoles' count over the whole run, and agree.
    t.true(Math.abs(m[app.app].rate * (r.summary.wall_s as number) - m[app.app].supersteps) < 0.1);
    t.true(m[`control`][`${app.app}.reachable`] as unknown as boolean);
    // The controller acted: a reservation below a whole CPU holds each application down.
    t.true(m.control[`${app.app}.utilization`] < 0.5);
  }
  networkClean(t);
});

liveTest("VTTIF classifies a ring and then an all-to-all running in QEMU VMs, from per-VM-pair bytes counted on the bridge; virtuoso compare reads the live and simulated runs", vmProblem("deadline") ?? noNft(), async (t) => {
  // The run ends once VTTIF reports all-to-all after a ring: a slow machine takes longer, not fails.
  const s = loadScenario(`${root}/scenarios/live-vms-bsp.json`, { sets: ["duration=90"] });
  let ring = false;
  const r = await runLive(s, "deadline", { until: (p) => (ring ||= p.topology === "ring") && p.topology === "all-to-all" });
  const m = r.summary.metrics as Record<string, Record<string, string | number>>;
  t.log(m.vttif.history, JSON.stringify(m.app), r.summary.wall_s);
  const history = String(m.vttif.history).split(" ").map((x) => x.split(":")[1]).filter((x) => x !== "none");
  t.is(history[0], "ring");
  t.is(history[history.length - 1], "all-to-all");
  t.true((m.app.supersteps as number) > 300, "the ring's 300 supersteps came first");
  networkClean(t);
  // The simulated run of the same scenario, beside the live one.
  const liveDir = join(tempDir(), "live");
  r.stage(liveDir).commit({ claim: claim(liveDir) });
  const simDir = join(tempDir(), "sim");
  // The same scenario (compare refuses two versions of one), though the live run ended early.
  runScenario(s).stage(simDir).commit({ claim: claim(simDir) });
  const rows = compare(simDir, liveDir).rows;
  t.log(JSON.stringify(rows));
  const app = rows.find((x) => x.quantity === "app supersteps/s");
  t.truthy(app, "the application's rate is compared");
  t.true(app!.predicted > 0 && app!.measured > 0);
});
