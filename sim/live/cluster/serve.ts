/**
 * `virtuoso cluster testbed SCENARIO DIR`: builds the scenario's platform as network
 * namespaces on this machine, makes the cluster's credentials in DIR, starts an agent in every
 * host namespace, prints "ready DIR/cluster.json" and holds it all until SIGINT or SIGTERM,
 * then stops the agents (each undoes its run) and removes the namespaces. A SIGKILLed testbed
 * is removed by `virtuoso live --cleanup` (its journal) and its agents and delay lines die
 * with it. The ready line names what emulates the links' latencies.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { projectRoot } from "../../source/index.js";
import type { Scenario } from "../../scenario/index.js";
import { cleanupDead, Journal } from "../journal.js";
import { clusterInit } from "./init.js";
import { agentStateDir } from "../agent/server.js";
import { buildTestbed, type Testbed } from "./testbed.js";
import { startDelayLine, type DelayLine } from "./delayline.js";

const cli = `${projectRoot}bin/virtuoso.js`;

export async function serveTestbed(s: Scenario, dir: string, opts: { silence: number; log: (line: string) => void }): Promise<void> {
  cleanupDead();
  const journal = new Journal();
  const agents: ChildProcess[] = [];
  const lines: DelayLine[] = [];
  let done = false;
  const teardown = async () => {
    if (done) return;
    done = true;
    for (const a of agents) a.kill("SIGTERM");
    await Promise.all(agents.map((a) => (a.exitCode !== null || a.signalCode !== null ? undefined : new Promise((r) => a.once("exit", r)))));
    // Their counters (frames in, out, dropped on a full queue, failed sends) for the log.
    for (const [i, l] of lines.entries()) opts.log(`delay line ${i}: ${await l.stop()}`);
    journal.undo();
  };
  try {
    const tag = (process.pid % 0xffff).toString(16);
    const bed: Testbed = buildTestbed(s, tag, journal);
    for (const spec of bed.delayLines) lines.push(startDelayLine(spec, journal, opts.log));
    await Promise.all(lines.map((l) => l.ready));
    const name = `testbed${tag}`;
    clusterInit(dir, name, bed.hosts.map((h) => ({ id: h.id, address: h.agent, port: h.port, underlay: h.underlay, lightpaths: h.lightpaths })));
    const file = `${dir}/cluster.json`;
    // The agents' journal folders go with the testbed (once the agents have undone their runs).
    for (const h of bed.hosts) journal.add({ kind: "dir", path: agentStateDir(name, h.id) });
    await Promise.all(bed.hosts.map((h) => new Promise<void>((resolve, reject) => {
      const a = spawn("ip", ["netns", "exec", h.ns, "setpriv", "--pdeathsig", "KILL", "--", process.execPath, cli, "agent", "--cluster", file, "--host", h.id, "--listen", `${h.agent}:${h.port}`, "--silence", String(opts.silence)], { stdio: ["ignore", "inherit", "pipe"] });
      agents.push(a);
      journal.process(a.pid!);
      let buf = "";
      a.stderr!.on("data", (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          opts.log(`${h.id}: ${line}`);
          if (line.includes('"event":"listening"')) resolve();
        }
      });
      a.once("exit", (c) => reject(new Error(`testbed: the agent of ${h.id} exited (${c})`)));
    })));
    const how = { netem: "latency: netem", "delay line": lines.length ? `latency: delay line (no netem in this kernel; ${lines.length} links delayed, access links not)` : "latency: none (no netem in this kernel for the access links, and no other link has a latency)", none: "latency: none (no netem in this kernel and no gcc for the delay line: link rates shaped, latencies not emulated)" };
    process.stdout.write(`ready ${file} ${how[bed.latency]}\n`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
  } finally {
    await teardown();
  }
}
