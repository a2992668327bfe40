/**
 * The agent refuses what is not its controller's, well-formed, fresh request: no certificate,
 * a certificate from another CA, a host's certificate, a replayed message, out-of-range or
 * unknown arguments. Each is logged as a JSON line, and the host's kernel state (links,
 * nftables tables, VM namespaces) is the same before and after.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { clusterInit } from "../../sim/live/cluster/init.js";
import { liveTest } from "./gate.js";
import { bedUnavailable, leftovers, startBed, vmLeftovers } from "./cluster-bed.js";
import { poll } from "./poll.js";

const scenario = {
  name: "auth", seed: 1, duration: 5,
  platform: { hosts: [{ id: "a" }, { id: "p" }], overlay: { enabled: true, proxy: "p" } },
  vms: [{ id: "r0", host: "a" }, { id: "r1", host: "p" }],
  workloads: [{ kind: "bsp", id: "app", vms: ["r0", "r1"], pattern: "ring", messageBytes: 1000, computeOps: 0, supersteps: 10 }],
};

interface Session {
  send(line: string): Promise<{ ok: boolean; error?: string } | "closed">;
  close(): void;
}

/** A raw TLS session to an agent, with whatever credentials a test chooses. */
async function session(address: string, port: number, creds: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<Session> {
  const sock = connect({ host: address, port, ...creds, checkServerIdentity: () => undefined });
  let buf = "";
  const replies: string[] = [];
  let closed = false;
  sock.setEncoding("utf8");
  sock.on("data", (d: string) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) (replies.push(buf.slice(0, nl)), (buf = buf.slice(nl + 1)));
  });
  sock.on("error", () => (closed = true));
  sock.on("close", () => (closed = true));
  await new Promise<void>((r) => (sock.once("secureConnect", () => r()), sock.once("error", () => r()), sock.once("close", () => r())));
  return {
    async send(line) {
      if (closed) return "closed";
      const n = replies.length;
      sock.write(line + "\n");
      await poll("a reply or a close", () => replies.length > n || closed, 20, 10);
      return replies.length > n ? JSON.parse(replies[n]) : "closed";
    },
    close: () => sock.destroy(),
  };
}

const req = (run: string, seq: number, op: string, args: unknown, nonce = randomBytes(16).toString("hex")) => JSON.stringify({ run, seq, nonce, op, args });

liveTest("agents refuse requests without the cluster's credentials, replayed ones and out-of-range arguments; each is logged and changes nothing", bedUnavailable(), async (t) => {
  const bed = await startBed(scenario);
  const sessions: Session[] = [];
  try {
    const c = JSON.parse(readFileSync(bed.file, "utf8"));
    const host = c.hosts.find((h: any) => h.id === "a");
    const rd = (f: string) => readFileSync(join(bed.dir, f));
    const ca = rd("ca.crt");
    const ns = bed.ns("a");
    const state = () => `${leftovers(ns)}|${vmLeftovers(bed!)}`;
    const refusals = () => bed.log().split("\n").filter((l) => l.startsWith("a: ") && l.includes('"event":"refused"')).length;
    const refusedOnce = async (what: string, act: () => Promise<unknown>) => {
      const before = state(), n = refusals();
      const r = await act();
      await poll(`a refusal logged for ${what}`, () => refusals() > n, 10, 20);
      t.is(state(), before, `${what}: nothing changed`);
      return r;
    };
    const base = state();
    t.is(base, "|", "a fresh host has nothing of a run");

    // No certificate at all: the TLS handshake is refused.
    await refusedOnce("no certificate", async () => {
      const s = await session(host.address, host.port, { ca });
      t.is(await s.send(req("x", 1, "begin", { vms: [{ id: "r0", index: 1, host: "a" }] })), "closed");
    });
    // A certificate named "controller" from another cluster's CA.
    const forged = mkdtempSync(join(tmpdir(), "vt-forged-"));
    clusterInit(join(forged, "c"), "forged", [{ id: "a", address: "127.0.0.1", port: 1 }]);
    await refusedOnce("a forged certificate", async () => {
      const s = await session(host.address, host.port, { ca, cert: readFileSync(join(forged, "c/controller.crt")), key: readFileSync(join(forged, "c/controller.key")) });
      t.is(await s.send(req("x", 1, "begin", { vms: [{ id: "r0", index: 1, host: "a" }] })), "closed");
    });
    // The cluster's own CA, but a host's certificate: not the controller's role.
    await refusedOnce("a host's certificate", async () => {
      const s = await session(host.address, host.port, { ca, cert: rd("host-p.crt"), key: rd("host-p.key") });
      t.is(await s.send(req("x", 1, "begin", { vms: [{ id: "r0", index: 1, host: "a" }] })), "closed");
    });

    // The controller's credentials: a run begins, then bad requests within it.
    const s = await session(host.address, host.port, { ca, cert: rd("controller.crt"), key: rd("controller.key") });
    sessions.push(s);
    const vms = [{ id: "r0", index: 1, host: "a" }, { id: "r1", index: 2, host: "p" }];
    t.like(await s.send(req("run1", 1, "begin", { vms })), { ok: true });
    const link = req("run1", 2, "link.add", { peer: "p", flood: true });
    t.like(await s.send(link), { ok: true });
    t.true(leftovers(ns).includes("vtx2"), "the tunnel to p exists");
    const replayed = (await refusedOnce("a replayed message", () => s.send(link))) as { ok: boolean; error: string };
    t.false(replayed.ok);
    t.regex(replayed.error, /replayed/);
    // A fresh sequence number but a nonce used before in this run.
    const nonce = JSON.parse(link).nonce;
    t.regex(((await refusedOnce("a reused nonce", () => s.send(req("run1", 3, "heartbeat", {}, nonce)))) as any).error, /nonce/);
    // A refused request changes nothing, its sequence number included: each below is the next one.
    const seq = 3;
    const bad: [string, string, unknown, RegExp][] = [
      ["a message too large for the protocol", "vm.start", { vm: "r0", ranks: ["r0", "r1"], sequence: [{ pattern: "ring", supersteps: 1 }], messageBytes: 1e12, computeOps: 0, supersteps: 1 }, /messageBytes/],
      ["a pattern the ranks do not know", "vm.start", { vm: "r0", ranks: ["r0", "r1"], sequence: [{ pattern: "rm -rf", supersteps: 1 }], messageBytes: 10, computeOps: 0, supersteps: 1 }, /pattern/],
      ["a VM not of this run", "vm.start", { vm: "r9", ranks: ["r9", "r1"], sequence: [{ pattern: "ring", supersteps: 1 }], messageBytes: 10, computeOps: 0, supersteps: 1 }, /r9/],
      ["a VM of another host", "vm.start", { vm: "r1", ranks: ["r0", "r1"], sequence: [{ pattern: "ring", supersteps: 1 }], messageBytes: 10, computeOps: 0, supersteps: 1 }, /does not run on a/],
      ["a host not in the cluster", "link.add", { peer: "evil", flood: true }, /not a host/],
      ["a link to itself", "link.add", { peer: "a", flood: false }, /this host/],
      ["a rule through a peer with no link", "rule.set", { src: "r0", dst: "r1", next: "b" }, /not a host|no overlay link/],
      ["a lightpath the cluster does not have", "lightpath.up", { peer: "p" }, /no lightpath to "p"/],
      ["a lightpath to a host not in the cluster", "lightpath.up", { peer: "../x" }, /peer/],
      ["an argument to reading Wren's samples", "wren.read", { all: true }, /unknown field/],
      ["a stamp that is not a flag", "vm.start", { vm: "r0", ranks: ["r0", "r1"], sequence: [{ pattern: "ring", supersteps: 1 }], messageBytes: 10, computeOps: 0, supersteps: 1, stamp: "yes" }, /stamp/],
      ["an operation that does not exist", "exec", { cmd: "id" }, /unknown operation/],
      ["an extra argument", "heartbeat", { cmd: "id" }, /unknown field/],
      ["a second run", "begin", { vms }, /active/],
    ];
    for (const [what, op, args, why] of bad) {
      const r = (await refusedOnce(what, () => s.send(req("run1", seq, op, args)))) as { ok: boolean; error: string };
      t.false(r.ok, what);
      t.regex(r.error, why, what);
    }
    // Another run id on the owner's connection.
    t.regex(((await refusedOnce("another run's id", () => s.send(req("run2", seq, "heartbeat", {})))) as any).error, /no run/);
    // The run is intact after all that: the next well-formed request works.
    t.like(await s.send(req("run1", seq, "heartbeat", {})), { ok: true });
    t.like(await s.send(req("run1", seq + 1, "end", {})), { ok: true });
    t.is(state(), base, "ending the run removes what it made");
    s.close();
    for (const line of bed.log().split("\n").filter((l) => l.includes('"event":"refused"'))) t.notThrows(() => JSON.parse(line.slice(line.indexOf("{"))));
  } finally {
    for (const x of sessions) x.close();
    await bed.stop();
  }
});
