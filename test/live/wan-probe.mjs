// Both ends of a WAN measurement, run inside a testbed host's namespace (plain JS: no loader).
//   serve ADDR            TCP sink on 9000 (per connection: {"bulk":[[t_ms, bytes], ...]} every
//                         50 ms of arrivals), UDP order check on 9001 ({"udp":{n, inversions,
//                         last}} on the end marker); prints {"up":true} once listening.
//   connect ADDR N        N TCP handshakes one after another: {"connect":[ms, ...]}
//   bulk ADDR SECONDS     sends as fast as TCP allows for SECONDS
//   burst ADDR N          N numbered UDP datagrams, then the end marker
import dgram from "node:dgram";
import net from "node:net";

const [mode, addr, arg] = process.argv.slice(2);
const ms = () => Number(process.hrtime.bigint()) / 1e6;
const print = (o) => process.stdout.write(JSON.stringify(o) + "\n");

if (mode === "serve") {
  let listening = 0;
  const up = () => ++listening === 2 && print({ up: true });
  net.createServer((s) => {
    const t0 = ms();
    const series = [];
    let bytes = 0, last = -1;
    s.on("data", (d) => {
      bytes += d.length;
      const t = ms() - t0;
      if (t - last >= 50) (series.push([t, bytes]), (last = t));
    });
    s.on("error", () => undefined);
    s.on("close", () => bytes && print({ bulk: [...series, [ms() - t0, bytes]] }));
  }).listen(9000, addr, up);
  const u = dgram.createSocket("udp4");
  let n = 0, inversions = 0, prev = -1;
  u.on("message", (m) => {
    const k = m.readUInt32BE(0);
    if (k === 0xffffffff) return print({ udp: { n, inversions, last: prev } });
    n++;
    if (k < prev) inversions++;
    prev = k;
  });
  u.bind(9001, addr, up);
} else if (mode === "connect") {
  const out = [];
  for (let i = 0; i < Number(arg); i++) {
    const t0 = ms();
    await new Promise((resolve, reject) => {
      const s = net.connect(9000, addr, () => (out.push(ms() - t0), s.destroy(), resolve()));
      s.on("error", reject);
    });
  }
  print({ connect: out });
} else if (mode === "bulk") {
  const s = net.connect(9000, addr);
  const chunk = Buffer.alloc(65536);
  const end = ms() + Number(arg) * 1000;
  const pump = () => {
    while (ms() < end) if (!s.write(chunk)) return void s.once("drain", pump);
    s.end();
  };
  s.on("connect", pump);
} else if (mode === "burst") {
  const u = dgram.createSocket("udp4");
  const b = Buffer.alloc(1000);
  for (let i = 0; i < Number(arg); i++) {
    b.writeUInt32BE(i, 0);
    await new Promise((r) => u.send(b, 9001, addr, r));
  }
  // The end marker after the last datagram has surely crossed (one second).
  await new Promise((r) => setTimeout(r, 1000));
  b.writeUInt32BE(0xffffffff, 0);
  u.send(b, 9001, addr, () => u.close());
} else {
  process.stderr.write(`wan-probe: unknown mode ${mode}\n`);
  process.exit(2);
}
