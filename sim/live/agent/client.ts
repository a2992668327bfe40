/**
 * The controller's end of the agent protocol: one TLS connection per host, authenticated with
 * the controller's certificate, the agent checked to be the host it should be (its
 * certificate's common name), requests numbered and given fresh nonces.
 */
import { randomBytes } from "node:crypto";
import { connect, type TLSSocket } from "node:tls";
import { hostCn, type Cluster, type ClusterHost } from "../cluster/file.js";
import type { ArgsIn, Op, Reply } from "./protocol.js";

export class AgentError extends Error {}

export interface Credentials {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export class AgentClient {
  private seq = 0;
  private buf = "";
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed: Error | undefined;

  private constructor(readonly host: string, private readonly sock: TLSSocket, readonly run: string) {
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      this.buf += d;
      let nl;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const r = JSON.parse(this.buf.slice(0, nl)) as Reply;
        this.buf = this.buf.slice(nl + 1);
        const w = this.waiting.get(r.seq);
        this.waiting.delete(r.seq);
        if (r.ok) w?.resolve(r.result);
        else w?.reject(new AgentError(`${host}: ${r.error}`));
      }
    });
    const fail = (e: Error) => {
      this.closed ??= e;
      for (const w of this.waiting.values()) w.reject(this.closed);
      this.waiting.clear();
    };
    sock.on("error", fail);
    sock.on("close", () => fail(new AgentError(`${host}: connection closed`)));
  }

  static async connect(h: ClusterHost, creds: Credentials, run: string, timeoutS = 10): Promise<AgentClient> {
    const sock = connect({
      host: h.address,
      port: h.port,
      ca: creds.ca,
      cert: creds.cert,
      key: creds.key,
      minVersion: "TLSv1.3",
      // Agents are named by role, not by DNS name: the certificate must be this host's.
      checkServerIdentity: (_name, cert) => (cert.subject?.CN === hostCn(h.id) ? undefined : new Error(`agent at ${h.address}:${h.port} presented "${cert.subject?.CN}", not ${hostCn(h.id)}`)),
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AgentError(`${h.id}: no TLS session with ${h.address}:${h.port} within ${timeoutS} s`)), timeoutS * 1000);
      sock.once("secureConnect", () => (clearTimeout(timer), resolve()));
      sock.once("error", (e) => (clearTimeout(timer), reject(new AgentError(`${h.id}: ${e.message}`))));
    });
    return new AgentClient(h.id, sock, run);
  }

  static credentials(c: Cluster): Credentials {
    return { ca: c.read(c.ca), cert: c.read(c.controller.cert), key: c.read(c.controller.key) };
  }

  call<O extends Op>(op: O, args: ArgsIn<O>): Promise<any> {
    if (this.closed) return Promise.reject(this.closed);
    const seq = ++this.seq;
    const line = JSON.stringify({ run: this.run, seq, nonce: randomBytes(16).toString("hex"), op, args }) + "\n";
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.sock.write(line);
    });
  }

  close(): void {
    this.sock.end();
  }
}
