/**
 * The cluster file: which hosts run an agent, where each listens, and the credentials of every
 * role (the cluster's certificate authority, the controller, one certificate per host). Paths
 * are relative to the file. A peer's role is its certificate's common name: "controller" or
 * "host:<id>".
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { id } from "../../scenario/quantities.js";
import { zodProblems } from "../../scenario/problems.js";
import { ScenarioError } from "../../scenario/index.js";

export const CONTROLLER_CN = "controller";
export const hostCn = (host: string) => `host:${host}`;

const port = z.number().int().min(1).max(65535);
const address = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, "must be an IPv4 address");

export const clusterSchema = z.strictObject({
  name: id,
  ca: z.string().min(1).describe("the cluster CA's certificate (PEM)"),
  controller: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }),
  hosts: z.array(z.strictObject({
    id,
    /** Where the controller reaches the agent. */
    address,
    port,
    /** The host's address on the underlay (tunnel endpoints); its agent address when absent. */
    underlay: address.optional(),
    /**
     * Lightpaths this host has, each to one peer: a device (down until a run asks for it) and
     * the two ends' addresses on it. VRESERVE's requests bring them up; tunnels to that peer
     * then run over them.
     */
    lightpaths: z.array(z.strictObject({ peer: id, device: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, "must be a network device name"), local: address, remote: address })).max(255).optional(),
    cert: z.string().min(1),
    key: z.string().min(1),
    /** QEMU's x509 folder for migration streams (cluster init makes it); without it, this host's VMs do not migrate. */
    qemu: z.string().min(1).optional(),
  })).min(1).max(256),
});

export type ClusterFile = z.output<typeof clusterSchema>;
export type ClusterHost = ClusterFile["hosts"][number];

export interface Cluster extends ClusterFile {
  dir: string;
  /** Reads a file the cluster file names. */
  read(path: string): Buffer;
  host(id: string): ClusterHost;
}

export function loadCluster(file: string): Cluster {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ScenarioError([`${file}: ${(e as Error).message}`]);
  }
  const r = clusterSchema.safeParse(doc);
  if (!r.success) throw new ScenarioError(zodProblems(r.error).map((p) => `cluster.${p}`));
  const ids = r.data.hosts.map((h) => h.id);
  const dup = ids.filter((h, i) => ids.indexOf(h) !== i);
  if (dup.length) throw new ScenarioError(dup.map((h) => `cluster.hosts: "${h}" appears twice`));
  const dir = dirname(resolve(file));
  return {
    ...r.data,
    dir,
    read: (p) => readFileSync(resolve(dir, p)),
    host(h) {
      const x = r.data.hosts.find((y) => y.id === h);
      if (!x) throw new ScenarioError([`--host: "${h}" is not a host of cluster ${r.data.name} (${ids.join(", ")})`]);
      return x;
    },
  };
}
