/**
 * The console's web server, whatever runs behind it (a paced simulation, a live run): the page,
 * d3, the state as server-sent events, and steering requests. Every request needs the random
 * token in its URL, so another local user or a page from elsewhere cannot steer the run.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join, sep } from "node:path";
import { page } from "./page.js";

export interface Served {
  url: string;
  /** Sends the current state to every open page. */
  broadcast(): void;
  close(): Promise<void>;
}

export async function serve(name: string, o: { port: number; bind: string }, state: () => unknown, act: (body: unknown) => { status: number; json: unknown }): Promise<Served> {
  const token = randomBytes(24).toString("hex");
  const clients = new Set<ServerResponse>();
  // d3's exports name no file path: find its folder from its entry point.
  const d3Main = createRequire(import.meta.url).resolve("d3");
  const d3 = readFileSync(join(d3Main.slice(0, d3Main.lastIndexOf(`${sep}d3${sep}`) + 4), "dist", "d3.min.js"), "utf8");
  const html = page(name, token);
  const tokenOk = (req: IncomingMessage) => {
    const got = Buffer.from(new URL(req.url ?? "/", "http://x").searchParams.get("token") ?? "");
    const want = Buffer.from(token);
    return got.length === want.length && timingSafeEqual(got, want);
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (!tokenOk(req)) {
      res.writeHead(403, { "content-type": "text/plain" }).end("a valid token is required\n");
      return;
    }
    const headers = { "cache-control": "no-store", "x-content-type-options": "nosniff" };
    if (req.method === "GET" && path === "/") res.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8" }).end(html);
    else if (req.method === "GET" && path === "/d3.js") res.writeHead(200, { ...headers, "content-type": "text/javascript" }).end(d3);
    else if (req.method === "GET" && path === "/events") {
      res.writeHead(200, { ...headers, "content-type": "text/event-stream", connection: "keep-alive" });
      res.write(`data: ${JSON.stringify(state())}\n\n`);
      clients.add(res);
      req.on("close", () => clients.delete(res));
    } else if (req.method === "POST" && path === "/action") {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        body += c;
        if (body.length > 10_000) req.destroy();
      });
      req.on("end", () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          res.writeHead(400, { ...headers, "content-type": "application/json" }).end(JSON.stringify({ problems: ["(body): not JSON"] }));
          return;
        }
        const r = act(parsed);
        res.writeHead(r.status, { ...headers, "content-type": "application/json" }).end(JSON.stringify(r.json));
      });
    } else res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(o.port, o.bind, () => res());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/?token=${token}`,
    broadcast() {
      const data = `data: ${JSON.stringify(state())}\n\n`;
      for (const c of clients) c.write(data);
    },
    async close() {
      for (const c of clients) c.end();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
