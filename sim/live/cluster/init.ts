/**
 * `virtuoso cluster init DIR`: a certificate authority for one cluster, and a key and
 * certificate for the controller and for every host, signed by it (EC P-256, via the system's
 * openssl: node:crypto makes keys but cannot issue X.509 certificates). Keys are written 0600
 * and never leave DIR; the CA key signs nothing else. Also writes DIR/cluster.json.
 *
 * Each host also gets DIR/qemu-NAME/, what QEMU's `tls-creds-x509` reads for migration
 * streams between hosts (ca-cert.pem, server-cert.pem, server-key.pem, client-cert.pem,
 * client-key.pem): one certificate from the same CA for both ends, naming the host's underlay
 * address (QEMU checks the destination's certificate against the address it migrates to).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONTROLLER_CN, hostCn, type ClusterFile } from "./file.js";

export interface InitHost {
  id: string;
  address: string;
  port: number;
  underlay?: string;
  lightpaths?: { peer: string; device: string; local: string; remote: string }[];
}

const DAYS = "825";

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function key(dir: string, name: string): void {
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name], dir);
  chmodSync(join(dir, name), 0o600);
}

/** A certificate for `cn` signed by the cluster CA, usable for both TLS ends (mutual authentication). */
function issue(dir: string, base: string, cn: string, san?: string): void {
  key(dir, `${base}.key`);
  openssl(["req", "-new", "-key", `${base}.key`, "-subj", `/CN=${cn}`, "-out", `${base}.csr`], dir);
  const ext = `${base}.ext`;
  writeFileSync(join(dir, ext), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n${san ? `subjectAltName=${san}\n` : ""}`, { mode: 0o600 });
  openssl(["x509", "-req", "-in", `${base}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", DAYS, "-sha256", "-extfile", ext, "-out", `${base}.crt`], dir);
  chmodSync(join(dir, `${base}.crt`), 0o600);
  execFileSync("rm", ["-f", join(dir, `${base}.csr`), join(dir, ext)]);
}

export function clusterInit(dir: string, name: string, hosts: InitHost[]): ClusterFile {
  if (existsSync(dir) && readdirSync(dir).length) throw new Error(`cluster init: ${dir} exists and is not empty (credentials are never overwritten)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  key(dir, "ca.key");
  openssl(["req", "-x509", "-new", "-key", "ca.key", "-subj", `/CN=virtuoso cluster ${name} CA`, "-days", DAYS, "-sha256", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.crt"], dir);
  chmodSync(join(dir, "ca.crt"), 0o600);
  issue(dir, "controller", CONTROLLER_CN);
  for (const h of hosts) {
    issue(dir, `host-${h.id}`, hostCn(h.id));
    qemuCredentials(dir, h);
  }
  execFileSync("rm", ["-f", join(dir, "ca.srl")]);
  const file: ClusterFile = {
    name,
    ca: "ca.crt",
    controller: { cert: "controller.crt", key: "controller.key" },
    hosts: hosts.map((h) => ({ id: h.id, address: h.address, port: h.port, ...(h.underlay ? { underlay: h.underlay } : {}), ...(h.lightpaths?.length ? { lightpaths: h.lightpaths } : {}), cert: `host-${h.id}.crt`, key: `host-${h.id}.key`, qemu: `qemu-${h.id}` })),
  };
  writeFileSync(join(dir, "cluster.json"), JSON.stringify(file, null, 2) + "\n", { mode: 0o600 });
  return file;
}

/** DIR/qemu-NAME/ in QEMU's x509 layout: one CA-signed certificate for both ends of a migration stream. */
function qemuCredentials(dir: string, h: InitHost): void {
  const sub = join(dir, `qemu-${h.id}`);
  mkdirSync(sub, { mode: 0o700 });
  const base = `qemu-${h.id}.tmp`;
  issue(dir, base, hostCn(h.id), `IP:${h.underlay ?? h.address}`);
  renameSync(join(dir, `${base}.crt`), join(sub, "server-cert.pem"));
  renameSync(join(dir, `${base}.key`), join(sub, "server-key.pem"));
  copyFileSync(join(sub, "server-cert.pem"), join(sub, "client-cert.pem"));
  copyFileSync(join(sub, "server-key.pem"), join(sub, "client-key.pem"));
  copyFileSync(join(dir, "ca.crt"), join(sub, "ca-cert.pem"));
  for (const f of readdirSync(sub)) chmodSync(join(sub, f), 0o600);
}

/** `NAME[=ADDRESS[:PORT]]`; hosts without an address listen on 127.0.0.1, ports from 7700 up. */
export function parseHostArg(v: string, index: number): InitHost | string {
  const m = /^([A-Za-z_][\w.-]{0,127})(?:=((?:\d{1,3}\.){3}\d{1,3})(?::(\d{1,5}))?)?$/.exec(v);
  if (!m) return `--host: "${v}" is not NAME[=ADDRESS[:PORT]]`;
  const port = m[3] ? Number(m[3]) : 7700 + index;
  if (port < 1 || port > 65535) return `--host: port ${port} is out of range`;
  return { id: m[1], address: m[2] ?? "127.0.0.1", port };
}
