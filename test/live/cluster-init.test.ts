/**
 * Cluster credentials and the checks made before anything runs: `cluster init` keys and
 * certificates (0600, signed by this cluster's CA only, named by role), and bad cluster files,
 * agent arguments and scenarios refused with exit 2 and one line per problem.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { which } from "../../sim/live/backends.js";
import { clusterInit, parseHostArg } from "../../sim/live/cluster/init.js";
import { liveTest } from "./gate.js";
import { cli } from "./cluster-bed.js";

const virtuoso = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
const noOpenssl = which("openssl") ? undefined : "openssl is not installed";

liveTest("cluster init: a CA, the controller's and each host's key and certificate, all 0600 in a 0700 folder; each verifies against this CA only, named by its role", noOpenssl, (t) => {
  const tmp = mkdtempSync(join(tmpdir(), "vt-init-"));
  const dir = join(tmp, "c"), other = join(tmp, "o");
  clusterInit(dir, "lab", [{ id: "a", address: "10.0.0.1", port: 7001 }, { id: "b", address: "127.0.0.1", port: 7701 }]);
  clusterInit(other, "other", [{ id: "a", address: "127.0.0.1", port: 7700 }]);
  const verify = (ca: string, crt: string) => spawnSync("openssl", ["verify", "-CAfile", ca, crt]).status === 0;
  t.deepEqual(readdirSync(dir).sort(), ["ca.crt", "ca.key", "cluster.json", "controller.crt", "controller.key", "host-a.crt", "host-a.key", "host-b.crt", "host-b.key", "qemu-a", "qemu-b"]);
  t.is(statSync(dir).mode & 0o777, 0o700);
  for (const f of readdirSync(dir)) t.is(statSync(join(dir, f)).mode & 0o777, f.startsWith("qemu-") ? 0o700 : 0o600, f);
  // QEMU's x509 folder per host: the cluster's CA, and one certificate of it for both ends, naming the host's address.
  for (const h of ["a", "b"]) {
    const q = join(dir, `qemu-${h}`);
    t.deepEqual(readdirSync(q).sort(), ["ca-cert.pem", "client-cert.pem", "client-key.pem", "server-cert.pem", "server-key.pem"]);
    for (const f of readdirSync(q)) t.is(statSync(join(q, f)).mode & 0o777, 0o600, `qemu-${h}/${f}`);
    t.true(verify(join(dir, "ca.crt"), join(q, "server-cert.pem")));
    t.false(verify(join(other, "ca.crt"), join(q, "server-cert.pem")));
    t.regex(execFileSync("openssl", ["x509", "-in", join(q, "server-cert.pem"), "-noout", "-ext", "subjectAltName"], { encoding: "utf8" }), new RegExp(`IP Address:${h === "a" ? "10.0.0.1" : "127.0.0.1"}`));
  }
  const subject = (f: string) => execFileSync("openssl", ["x509", "-in", f, "-noout", "-subject"], { encoding: "utf8" }).trim();
  t.regex(subject(join(dir, "controller.crt")), /CN ?= ?controller$/);
  t.regex(subject(join(dir, "host-a.crt")), /CN ?= ?host:a$/);
  for (const f of ["controller.crt", "host-a.crt", "host-b.crt"]) {
    t.true(verify(join(dir, "ca.crt"), join(dir, f)), f);
    t.false(verify(join(other, "ca.crt"), join(dir, f)), `${f} is not another cluster's`);
  }
  // Credentials are never overwritten.
  t.throws(() => clusterInit(dir, "lab", [{ id: "a", address: "127.0.0.1", port: 7700 }]), { message: /not empty/ });
});

test("cluster init and agent arguments: bad ones exit 2 with one line each", (t) => {
  t.is(typeof parseHostArg("a", 0), "object");
  t.deepEqual(parseHostArg("h1=10.1.2.3:99", 0), { id: "h1", address: "10.1.2.3", port: 99 });
  t.deepEqual(parseHostArg("h1", 3), { id: "h1", address: "127.0.0.1", port: 7703 });
  for (const bad of ["", "a b", "a=host", "a=1.2.3.4:99999", "1a"]) t.is(typeof parseHostArg(bad, 0), "string", bad);
  const tmp = mkdtempSync(join(tmpdir(), "vt-args-"));
  const file = join(tmp, "cluster.json");
  writeFileSync(file, JSON.stringify({ name: "x", ca: "ca.crt", controller: { cert: "c", key: "k" }, hosts: [{ id: "a", address: "10.0.0.300x", port: 70000, cert: "c", key: "k", shell: "id" }] }));
  const r = virtuoso("agent", "--cluster", file, "--host", "a");
  t.is(r.status, 2);
  const lines = r.stderr.trim().split("\n");
  t.true(lines.some((l) => /^cluster\.hosts\.0\.address: /.test(l)), r.stderr);
  t.true(lines.some((l) => /^cluster\.hosts\.0\.port: /.test(l)), r.stderr);
  t.true(lines.some((l) => /^cluster\.hosts\.0\.shell: unknown field/.test(l)), r.stderr);
});

test("live --cluster refuses, before connecting to anything, a scenario whose hosts are not the cluster's or that asks for what it cannot run yet", (t) => {
  const tmp = mkdtempSync(join(tmpdir(), "vt-refuse-"));
  const file = join(tmp, "cluster.json");
  writeFileSync(file, JSON.stringify({ name: "x", ca: "ca.crt", controller: { cert: "c", key: "k" }, hosts: [{ id: "a", address: "10.0.0.1", port: 7000, cert: "c", key: "k" }] }));
  const s = join(tmp, "s.json");
  writeFileSync(s, JSON.stringify({
    name: "s", seed: 1, duration: 5,
    platform: { hosts: [{ id: "a" }, { id: "z" }] },
    vms: [{ id: "v", host: "z" }],
    workloads: [{ kind: "batch", id: "w", vm: "v" }],
    policies: { vsched: { reservations: [{ vm: "v", at: 0, period: 0.1, slice: 0.01 }] } },
  }));
  const out = join(tmp, "out");
  const r = virtuoso("live", "--cluster", file, s, "--out", out);
  t.is(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  t.true(lines.includes('platform.hosts.1.id: host "z" is not in cluster x (a)'), r.stderr);
  t.true(lines.some((l) => l.startsWith("workloads.0.kind: ")), r.stderr);
  t.true(lines.some((l) => l.startsWith("policies.vsched.reservations: ")), r.stderr);
  t.true(lines.some((l) => l.startsWith("platform.overlay.enabled: ")), r.stderr);
  t.throws(() => statSync(out), undefined, "no output folder");
});

test("live --cluster refuses to migrate QEMU VMs across hosts the cluster file names no QEMU credentials for, and to migrate process VMs at all", (t) => {
  const tmp = mkdtempSync(join(tmpdir(), "vt-refuse-"));
  const file = join(tmp, "cluster.json");
  const host = (id: string, qemu?: string) => ({ id, address: "10.0.0.1", port: 7000, cert: "c", key: "k", ...(qemu ? { qemu } : {}) });
  const s = join(tmp, "s.json");
  const scenario = (vms: string) => ({
    name: "s", seed: 1, duration: 5,
    platform: { hosts: [{ id: "a" }, { id: "b" }], overlay: { enabled: true, mode: "star", proxy: "a" } },
    vms: [{ id: "v", host: "a", memory: 100663296 }, { id: "w", host: "b", memory: 100663296 }],
    workloads: [{ kind: "bsp", id: "app", vms: ["v", "w"], pattern: "ring", messageBytes: 64, computeOps: 1, supersteps: 10 }],
    live: { vms, migrations: [{ vm: "v", to: "b", at: 1 }] },
  });
  const refused = (c: object, sc: object) => {
    writeFileSync(file, JSON.stringify(c));
    writeFileSync(s, JSON.stringify(sc));
    const r = virtuoso("live", "--cluster", file, s, "--out", join(tmp, "out"));
    t.is(r.status, 2, r.stderr);
    return r.stderr.trim().split("\n");
  };
  const lines = refused({ name: "x", ca: "ca.crt", controller: { cert: "c", key: "k" }, hosts: [host("a", "qemu-a"), host("b")] }, scenario("qemu"));
  t.deepEqual(lines, ['cluster.hosts.1.qemu: VMs migrate across hosts over TLS with QEMU\'s credentials, which cluster x does not name for "b" (made by cluster init)']);
  t.true(refused({ name: "x", ca: "ca.crt", controller: { cert: "c", key: "k" }, hosts: [host("a", "qemu-a"), host("b", "qemu-b")] }, scenario("process")).some((l) => l.startsWith("live.migrations: ")));
  t.throws(() => statSync(join(tmp, "out")), undefined, "no output folder");
});
