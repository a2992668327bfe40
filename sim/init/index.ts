/**
 * `virtuoso init NAME`: a starter scenario to edit. Two sites of two hosts joined by a WAN, a
 * four-rank BSP application split across them, VTTIF watching its traffic, and a small sweep
 * block, so `run`, `report` and `sweep` all work on it at once. The `$schema` reference gives
 * editors completion and every field's documentation on hover.
 */
import { dirname, relative, resolve } from "node:path";
import { projectRoot } from "../source/index.js";

const schemaFile = `${projectRoot}scenarios/scenario.schema.json`;

export function starterScenario(name: string, file: string): Record<string, unknown> {
  let schema = relative(dirname(resolve(file)), schemaFile);
  if (!schema.startsWith(".")) schema = `./${schema}`;
  return {
    $schema: schema,
    name,
    description:
      "Starter scenario: a 4-rank BSP ring over two sites (2 hosts each, gigabit LANs, a 10 MB/s 20 ms WAN), with VTTIF inferring its topology. Edit freely: `virtuoso validate` names any mistake by its path; field documentation shows on hover in editors that read $schema; scenarios/README.md documents every field.",
    seed: 1,
    duration: 120,
    platform: {
      hosts: [
        { id: "a", count: 2, speed: 1e9 },
        { id: "b", count: 2, speed: 1e9 },
      ],
      network: {
        topology: {
          kind: "two-sites",
          siteA: ["a0", "a1"],
          lan: { bandwidth: 1.25e8, latency: 5e-5 },
          wan: { bandwidth: 1e7, latency: 0.02 },
        },
      },
      // VTTIF reads the overlay daemons' counters: traffic goes through VNET, first-generation star via the Proxy on a0.
      overlay: { enabled: true, mode: "star", proxy: "a0" },
    },
    vms: [
      { id: "rank0", host: "a0" },
      { id: "rank1", host: "a1" },
      { id: "rank2", host: "b0" },
      { id: "rank3", host: "b1" },
    ],
    workloads: [{ kind: "bsp", id: "app", vms: ["rank0", "rank1", "rank2", "rank3"], pattern: "ring", messageBytes: 1e6, computeOps: 1e9, supersteps: 30 }],
    policies: { vttif: { enabled: true } },
    sweep: { grid: [{ path: "workloads.0.messageBytes", values: [1e5, 1e6, 4e6] }], reps: 2 },
  };
}
