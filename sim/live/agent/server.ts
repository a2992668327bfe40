/**
 * `virtuoso agent`: serves one host's share of the ports to the cluster's controller over
 * TLS with mutual authentication (the cluster CA's certificates on both ends; the peer's
 * common name must be the controller's). One run at a time. Every request is checked before
 * anything is done: its run, its sequence number (exactly one more than the last on this
 * connection), its nonce (never seen in this run), its operation and its arguments. A refused
 * request changes nothing and is logged as one JSON line. The run is undone (from its journal)
 * when its controller's connection closes or falls silent for `silence` seconds.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createServer, type TLSSocket } from "node:tls";
import { cleanupDead, Journal, stateDir } from "../journal.js";
import { CONTROLLER_CN, type Cluster } from "../cluster/file.js";
import { HostRun, ownNetns, type HostPeer } from "./host.js";
import { HostReservations } from "./reserve.js";
import { envelopeSchema, MAX_LINE, opSchemas, type Op, type Reply } from "./protocol.js";
import { zodProblems } from "../../scenario/problems.js";

export interface AgentOptions {
  host: string;
  listen: { address: string; port: number };
  /** Seconds without a request from the controller after which the run is undone. */
  silence: number;
  log: (entry: Record<string, unknown>) => void;
}

/** Where this host's agent journals its runs (its own folder: a run's links live in the agent's namespace). */
export const agentStateDir = (cluster: string, host: string) => join(stateDir(), `agent-${cluster}-${host}`);

class Refused extends Error {}

interface Active {
  id: string;
  run: HostRun;
  cpu: HostReservations;
  journal: Journal;
  owner: TLSSocket;
  nonces: Set<string>;
  heard: number;
}

export async function serveAgent(cluster: Cluster, opts: AgentOptions): Promise<{ close(): Promise<void>; port: number }> {
  const me = cluster.host(opts.host);
  const peers = new Map<string, HostPeer>(cluster.hosts.map((h, i) => [h.id, { id: h.id, index: i + 1, underlay: h.underlay ?? h.address }]));
  const dir = agentStateDir(cluster.name, opts.host);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // What a killed agent left goes first.
  for (const line of cleanupDead(dir)) opts.log({ event: "cleanup", removed: line });
  let active: Active | undefined;
  const netns = ownNetns();

  const undo = (why: string) => {
    if (!active) return;
    const a = active;
    active = undefined;
    const removed = a.journal.undo();
    opts.log({ event: "undone", run: a.id, why, removed: removed.length });
  };

  const watchdog = setInterval(() => {
    if (active && Date.now() - active.heard > opts.silence * 1000) undo(`no request from the controller for ${opts.silence} s`);
  }, 200);

  const server = createServer({
    ca: cluster.read(cluster.ca),
    cert: cluster.read(me.cert),
    key: cluster.read(me.key),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: "TLSv1.3",
  });
  // Handshakes that fail (no certificate, one the cluster CA did not sign) never reach a handler.
  server.on("tlsClientError", (err, sock) => opts.log({ event: "refused", peer: sock.remoteAddress, reason: `TLS: ${err.message}` }));

  server.on("secureConnection", (sock) => {
    const cn = sock.getPeerCertificate()?.subject?.CN;
    const peer = `${cn ?? "?"}@${sock.remoteAddress}`;
    if (cn !== CONTROLLER_CN) {
      opts.log({ event: "refused", peer, reason: `certificate for "${cn}", not the controller` });
      sock.destroy();
      return;
    }
    let seq = 0;
    let buf = "";
    let chain = Promise.resolve();
    const reply = (r: Reply) => sock.write(JSON.stringify(r) + "\n");
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      // The controller is alive while its connection delivers, even when requests queue behind a slow one (a VM starting).
      if (active?.owner === sock) active.heard = Date.now();
      buf += d;
      if (buf.length > MAX_LINE && !buf.includes("\n")) {
        opts.log({ event: "refused", peer, reason: `request longer than ${MAX_LINE} bytes` });
        sock.destroy();
        return;
      }
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        // Requests run one after another, in order.
        chain = chain.then(() => handle(line));
      }
    });
    sock.on("close", () => {
      if (active?.owner === sock) undo("controller connection closed");
    });
    sock.on("error", () => {});

    const handle = async (line: string) => {
      let req;
      try {
        if (line.length > MAX_LINE) throw new Refused(`request longer than ${MAX_LINE} bytes`);
        const parsed = envelopeSchema.safeParse(JSON.parse(line));
        if (!parsed.success) throw new Refused(zodProblems(parsed.error).join("; "));
        req = parsed.data;
        // Sequence first: a replayed or reordered message is refused whatever it asks.
        if (req.seq !== seq + 1) throw new Refused(`seq ${req.seq} is not ${seq + 1} (replayed or out of order)`);
        if (!(req.op in opSchemas)) throw new Refused(`unknown operation "${req.op}"`);
        const op = req.op as Op;
        const args = opSchemas[op].safeParse(req.args);
        if (!args.success) throw new Refused(zodProblems(args.error).map((p) => `args.${p}`).join("; "));
        if (op === "begin") {
          if (active) throw new Refused(`run ${active.id} is active here`);
        } else {
          if (!active || active.id !== req.run) throw new Refused(`no run "${req.run}" here`);
          if (active.owner !== sock) throw new Refused(`run ${req.run} belongs to another connection`);
          if (active.nonces.has(req.nonce)) throw new Refused("nonce already used in this run (replayed)");
        }
        check(op, args.data);
        seq = req.seq;
        if (active && op !== "begin") {
          active.nonces.add(req.nonce);
          active.heard = Date.now();
        }
        const result = await perform(op, args.data, req.run, req.nonce, sock);
        reply({ seq: req.seq, ok: true, result });
      } catch (e) {
        const refused = e instanceof Refused || e instanceof SyntaxError;
        opts.log({ event: refused ? "refused" : "failed", peer, run: req?.run, seq: req?.seq, op: req?.op, reason: (e as Error).message });
        reply({ seq: req?.seq ?? 0, ok: false, error: (e as Error).message });
      }
    };
  });

  /** Checks of the arguments against the run and the cluster: nothing is done before these pass. */
  function check(op: Op, a: any): void {
    const run = active?.run;
    const vm = (v: string, path: string) => {
      if (!run?.knowsVm(v)) throw new Refused(`${path}: "${v}" is not a VM of this run`);
    };
    const host = (h: string, path: string) => {
      if (!peers.has(h)) throw new Refused(`${path}: "${h}" is not a host of cluster ${cluster.name}`);
      if (h === opts.host) throw new Refused(`${path}: "${h}" is this host`);
    };
    if (op === "begin") {
      const ids = new Set<string>(), idx = new Set<number>();
      a.vms.forEach((v: any, i: number) => {
        if (ids.has(v.id)) throw new Refused(`args.vms.${i}.id: "${v.id}" appears twice`);
        if (idx.has(v.index)) throw new Refused(`args.vms.${i}.index: ${v.index} appears twice`);
        if (!peers.has(v.host)) throw new Refused(`args.vms.${i}.host: "${v.host}" is not a host of cluster ${cluster.name}`);
        ids.add(v.id);
        idx.add(v.index);
      });
    } else if (op === "link.add" || op === "link.remove") host(a.peer, "args.peer");
    else if (op === "lightpath.up") {
      host(a.peer, "args.peer");
      if (!me.lightpaths?.some((l) => l.peer === a.peer)) throw new Refused(`args.peer: ${opts.host} has no lightpath to "${a.peer}" in cluster ${cluster.name}`);
    }
    else if (op === "rule.set") {
      vm(a.src, "args.src");
      vm(a.dst, "args.dst");
      if (!run!.isLocal(a.src)) throw new Refused(`args.src: "${a.src}" does not run on ${opts.host} (rules act where the sender's frames enter the overlay)`);
      if (a.next !== null) {
        host(a.next, "args.next");
        if (!run!.linked(a.next)) throw new Refused(`args.next: no overlay link from ${opts.host} to "${a.next}"`);
      }
    } else if (op === "vm.start") {
      vm(a.vm, "args.vm");
      if (a.incoming) {
        if (!a.qemu) throw new Refused("args.incoming: only a QEMU VM (args.qemu) migrates");
        host(a.incoming.from, "args.incoming.from");
        if (run!.where(a.vm) !== a.incoming.from) throw new Refused(`args.incoming.from: "${a.vm}" runs on ${run!.where(a.vm)}, not "${a.incoming.from}"`);
        if (!run!.guests.migratable) throw new Refused(`args.incoming: cluster ${cluster.name} names no QEMU credentials (hosts.qemu) for ${opts.host}`);
      } else if (!run!.isLocal(a.vm)) throw new Refused(`args.vm: "${a.vm}" does not run on ${opts.host}`);
      if (run!.started(a.vm)) throw new Refused(`args.vm: "${a.vm}" is already running or awaited here`);
      a.ranks.forEach((r: string, i: number) => vm(r, `args.ranks.${i}`));
      if (new Set(a.ranks).size !== a.ranks.length) throw new Refused("args.ranks: a VM appears twice");
      if (!a.ranks.includes(a.vm)) throw new Refused(`args.ranks: does not include "${a.vm}"`);
    } else if (op === "vm.migrate") {
      vm(a.vm, "args.vm");
      if (!run!.isLocal(a.vm) || !run!.guests.runs(a.vm) || run!.guests.isLeaving(a.vm)) throw new Refused(`args.vm: "${a.vm}" is not a QEMU VM running on ${opts.host}`);
      host(a.to, "args.to");
      if (!run!.guests.migratable) throw new Refused(`args.vm: cluster ${cluster.name} names no QEMU credentials (hosts.qemu) for ${opts.host}`);
    } else if (op === "vm.moved") {
      vm(a.vm, "args.vm");
      if (!peers.has(a.host)) throw new Refused(`args.host: "${a.host}" is not a host of cluster ${cluster.name}`);
      if (a.host === opts.host && !run!.guests.waiting(a.vm)) throw new Refused(`args.host: no destination for "${a.vm}" waits on ${opts.host}`);
    } else if (op === "vm.resume") {
      vm(a.vm, "args.vm");
      if (!run!.guests.isLeaving(a.vm)) throw new Refused(`args.vm: "${a.vm}" has not been sent away from ${opts.host}`);
    } else if (op === "vm.drop") {
      vm(a.vm, "args.vm");
      if (!run!.guests.waiting(a.vm)) throw new Refused(`args.vm: no destination for "${a.vm}" waits on ${opts.host}`);
    } else if (op === "vm.reserve") {
      vm(a.vm, "args.vm");
      // A VM running here, or one about to migrate here (booked before its migration starts).
      const here = run!.guests.runs(a.vm) && !run!.guests.isLeaving(a.vm);
      const coming = !run!.isLocal(a.vm) && !run!.guests.has(a.vm);
      if (!here && !coming) throw new Refused(`args.vm: "${a.vm}" is neither a QEMU VM running on ${opts.host} nor one that could migrate here`);
      if (!here && !run!.guests.migratable) throw new Refused(`args.vm: "${a.vm}" cannot migrate to ${opts.host}: cluster ${cluster.name} names no QEMU credentials (hosts.qemu) for it`);
    } else if (op === "vm.release") {
      vm(a.vm, "args.vm");
      if (!active!.cpu.has(a.vm)) throw new Refused(`args.vm: "${a.vm}" holds no reservation on ${opts.host}`);
    } else if (op === "vm.state") {
      vm(a.vm, "args.vm");
      if (!run!.guests.runs(a.vm) && !run!.guests.waiting(a.vm)) throw new Refused(`args.vm: "${a.vm}" has no QEMU on ${opts.host}`);
    }
  }

  async function perform(op: Op, a: any, runId: string, nonce: string, sock: TLSSocket): Promise<unknown> {
    switch (op) {
      case "begin": {
        const journal = new Journal(dir);
        try {
          const files = { dir: join(dir, `qemu-${runId}`), tls: me.qemu ? resolve(cluster.dir, me.qemu) : undefined };
          const run = new HostRun(opts.host, peers.get(opts.host)!, peers, journal, a.vms, netns, files);
          active = { id: runId, run, cpu: new HostReservations(run.guests, a.uMax, journal), journal, owner: sock, nonces: new Set([nonce]), heard: Date.now() };
        } catch (e) {
          journal.undo();
          throw e;
        }
        opts.log({ event: "begin", run: runId, vms: a.vms.length });
        return { host: opts.host };
      }
      case "heartbeat":
        return {};
      case "link.add":
        active!.run.addLink(a.peer, a.flood);
        return {};
      case "link.remove":
        active!.run.removeLink(a.peer);
        return {};
      case "lightpath.up":
        active!.run.lightpathUp(a.peer, me.lightpaths!.find((l) => l.peer === a.peer)!);
        return {};
      case "rule.set":
        active!.run.setRule(a.src, a.dst, a.next);
        return {};
      case "vm.start":
        if (a.qemu) return await active!.run.guests.start(a);
        await active!.run.startVm(a);
        return {};
      case "vm.go":
        await active!.run.go();
        return {};
      case "vm.migrate": {
        const r = await active!.run.guests.migrate(a);
        opts.log({ event: "migration", run: runId, vm: a.vm, to: a.to, status: r.status, ...(r.reason ? { reason: r.reason } : {}) });
        return r;
      }
      case "vm.moved":
        // The source's reservation ends before its paused QEMU goes (the destination's booking is applied by vm.reserve once the guest runs there).
        if (a.host !== opts.host && active!.run.guests.isLeaving(a.vm)) active!.cpu.release(a.vm);
        await active!.run.moved(a.vm, a.host);
        return {};
      case "vm.reserve": {
        const verdict = active!.cpu.reserve(a.vm, { period: a.period, slice: a.slice });
        opts.log({ event: "reservation", run: runId, vm: a.vm, period: a.period, slice: a.slice, admitted: verdict.admitted, ...(verdict.admitted ? {} : { reason: verdict.reason }) });
        // Whether the VM holds a reservation here now (a kernel's refusal undid the one before).
        return { ...verdict, held: active!.cpu.has(a.vm) };
      }
      case "vm.release":
        active!.cpu.release(a.vm);
        return {};
      case "vm.resume":
        await active!.run.guests.resume(a.vm);
        return {};
      case "vm.drop":
        active!.run.guests.drop(a.vm);
        // A failed migration's booking here ends with its waiting QEMU.
        active!.cpu.release(a.vm);
        return {};
      case "vm.state":
        return await active!.run.guests.state(a.vm);
      case "vm.progress":
        return active!.run.progress();
      case "tap.read":
        return active!.run.read();
      case "wren.read":
        return active!.run.readTransfers();
      case "end":
        undo("the controller ended the run");
        return {};
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.listen.port, opts.listen.address, () => resolve());
  });
  const addr = server.address();
  opts.log({ event: "listening", host: opts.host, address: opts.listen.address, port: typeof addr === "object" && addr ? addr.port : opts.listen.port });
  return {
    port: typeof addr === "object" && addr ? addr.port : opts.listen.port,
    async close() {
      clearInterval(watchdog);
      undo("agent stopped");
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
