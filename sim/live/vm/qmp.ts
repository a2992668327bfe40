/**
 * A QMP client over node:net: the greeting, `qmp_capabilities`, then commands answered in
 * order. Events are kept, not acted on. Small enough not to need a library.
 */
import { connect, type Socket } from "node:net";

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  cmd: string;
}

export class QmpError extends Error {}

export class Qmp {
  private buf = "";
  private pending: Pending[] = [];
  private closed?: Error;
  readonly events: { event: string; data?: unknown }[] = [];
  private listeners = new Set<(e: { event: string; data?: unknown }) => void>();

  /** Calls `fn` on each event as it is read (before any later reply); returns the unsubscribe. */
  onEvent(fn: (e: { event: string; data?: unknown }) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private constructor(private readonly sock: Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => this.onData(d));
    const fail = (e: Error) => {
      this.closed = e;
      for (const p of this.pending.splice(0)) p.reject(new QmpError(`qmp ${p.cmd}: ${e.message}`));
    };
    sock.on("error", fail);
    sock.on("close", () => fail(new Error("connection closed")));
  }

  /** Connects to a QMP unix socket, retrying until `timeout` seconds (QEMU may still be starting). */
  static async open(path: string, timeout = 30): Promise<Qmp> {
    const end = Date.now() + timeout * 1000;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path, () => resolve(s));
          s.once("error", reject);
        });
        const q = new Qmp(sock);
        await q.greeting();
        await q.execute("qmp_capabilities");
        return q;
      } catch (err) {
        if (Date.now() > end) throw new QmpError(`qmp ${path}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private greeted?: () => void;
  private greeting(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.greeted = resolve;
      this.sock.once("close", () => reject(new Error("closed before the greeting")));
    });
  }

  execute<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new QmpError(`qmp ${cmd}: ${this.closed.message}`));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject, cmd });
      this.sock.write(JSON.stringify(args ? { execute: cmd, arguments: args } : { execute: cmd }) + "\n");
    });
  }

  close(): void {
    this.sock.destroy();
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: { QMP?: unknown; return?: unknown; error?: { class: string; desc: string }; event?: string; data?: unknown };
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // Not QMP (QEMU prints nothing else here): ignore rather than crash the run.
      }
      if (msg.QMP) this.greeted?.();
      else if (msg.event) {
        const e = { event: msg.event, data: msg.data };
        if (this.events.length < 10_000) this.events.push(e);
        for (const fn of this.listeners) fn(e);
      }
      else {
        const p = this.pending.shift();
        if (!p) continue;
        if (msg.error) p.reject(new QmpError(`qmp ${p.cmd}: ${msg.error.class}: ${msg.error.desc}`));
        else p.resolve(msg.return);
      }
    }
  }
}
