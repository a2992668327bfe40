import test from "ava";
import { createServer } from "node:net";
import { join } from "node:path";
import { Qmp, QmpError } from "../../sim/live/vm/index.js";
import { tempDir } from "../helpers.js";

/** A QMP server as QEMU behaves: greeting, capabilities negotiation, events between replies. */
function fakeQemu(path: string) {
  const seen: string[] = [];
  const server = createServer((c) => {
    c.write(JSON.stringify({ QMP: { version: {}, capabilities: [] } }) + "\r\n");
    let buf = "";
    c.on("data", (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        seen.push(msg.execute);
        if (msg.execute === "query-cpus-fast") {
          // Split across writes, with an event first (in order: QEMU answers one at a time).
          const reply = JSON.stringify({ return: [{ "cpu-index": 1, "thread-id": 202 }, { "cpu-index": 0, "thread-id": 101 }] });
          c.write(JSON.stringify({ event: "RESUME", data: {} }) + "\r\n" + reply.slice(0, 10));
          c.write(reply.slice(10) + "\r\n");
        } else if (msg.execute === "nope") c.write(JSON.stringify({ error: { class: "CommandNotFound", desc: "The command nope has not been found" } }) + "\r\n");
        else c.write(JSON.stringify({ return: {} }) + "\r\n");
      }
    });
  });
  return { server: server.listen(path), seen };
}

test("QMP: capabilities first, replies matched in order through events and split writes, errors as errors", async (t) => {
  const path = join(tempDir(), "q.sock");
  const { server, seen } = fakeQemu(path);
  const q = await Qmp.open(path, 5);
  const [cpus, stop, bad, cont] = await Promise.allSettled([q.execute("query-cpus-fast"), q.execute("stop"), q.execute("nope"), q.execute("cont")]);
  t.deepEqual(seen, ["qmp_capabilities", "query-cpus-fast", "stop", "nope", "cont"]);
  t.deepEqual((cpus as PromiseFulfilledResult<unknown>).value, [{ "cpu-index": 1, "thread-id": 202 }, { "cpu-index": 0, "thread-id": 101 }]);
  t.deepEqual((stop as PromiseFulfilledResult<unknown>).value, {});
  t.true((bad as PromiseRejectedResult).reason instanceof QmpError);
  t.regex(String((bad as PromiseRejectedResult).reason), /CommandNotFound/);
  t.is(cont.status, "fulfilled");
  t.deepEqual(q.events.map((e) => e.event), ["RESUME"]);
  q.close();
  server.close();
});

test("QMP: a command to a closed connection fails instead of hanging", async (t) => {
  const path = join(tempDir(), "q.sock");
  const { server } = fakeQemu(path);
  const q = await Qmp.open(path, 5);
  server.close();
  q.close();
  await new Promise((r) => setTimeout(r, 10));
  await t.throwsAsync(q.execute("stop"), { instanceOf: QmpError });
});

test("QMP: opening waits for a socket that appears late, and gives up after the timeout", async (t) => {
  const path = join(tempDir(), "late.sock");
  let late: ReturnType<typeof fakeQemu> | undefined;
  setTimeout(() => (late = fakeQemu(path)), 300);
  const q = await Qmp.open(path, 5);
  t.truthy(q);
  q.close();
  late!.server.close();
  await t.throwsAsync(Qmp.open(join(tempDir(), "never.sock"), 0.3), { instanceOf: QmpError });
});
