/**
 * Transfer sets compared with SimGrid 3.32: every transfer starts at time 0 and runs to the
 * end; a case is a platform (a crossbar, or two sites joined by a WAN), a communication
 * pattern and a network model. The same description yields the SimGrid platform file and
 * this project's scenario, so the two runs see one platform.
 */
export type Platform = "crossbar" | "two-sites";
export type Pattern = "all-to-all" | "ring" | "torus";
export type Model = "CM02" | "LV08" | "CM02-pure";

export interface Case {
  platform: Platform;
  pattern: Pattern;
  model: Model;
  ranks: number;
}

export const BYTES = 1e6;
const LAN = { bandwidth: 125e6, latency: 50e-6 };
const WAN = { bandwidth: 12.5e6, latency: 10e-3 };

export function cases(): Case[] {
  const out: Case[] = [];
  for (const model of ["CM02", "LV08", "CM02-pure"] as Model[]) {
    for (const platform of ["crossbar", "two-sites"] as Platform[]) {
      for (const pattern of ["all-to-all", "ring", "torus"] as Pattern[]) {
        for (const ranks of [4, 16, 64]) out.push({ platform, pattern, model, ranks });
      }
    }
  }
  return out;
}

export const caseName = (c: Case) => `${c.model} ${c.platform} ${c.pattern} ${c.ranks}`;

/** Rank i runs on host `hosts[i]`: h0.. on the crossbar; a0.., then b0.. on two sites. */
export function hosts(c: Case): string[] {
  if (c.platform === "crossbar") return Array.from({ length: c.ranks }, (_, i) => `h${i}`);
  const half = c.ranks / 2;
  return Array.from({ length: c.ranks }, (_, i) => (i < half ? `a${i}` : `b${i - half}`));
}

/** [src, dst] rank pairs. */
export function pairs(c: Case): [number, number][] {
  const n = c.ranks;
  const out: [number, number][] = [];
  if (c.pattern === "all-to-all") for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) i !== j && out.push([i, j]);
  if (c.pattern === "ring") for (let i = 0; i < n; i++) out.push([i, (i + 1) % n]);
  if (c.pattern === "torus") {
    let rows = Math.floor(Math.sqrt(n));
    while (n % rows) rows--;
    const cols = n / rows;
    for (let i = 0; i < n; i++) {
      const r = Math.floor(i / cols), k = i % cols;
      const to = [((r + 1) % rows) * cols + k, ((r + rows - 1) % rows) * cols + k, r * cols + ((k + 1) % cols), r * cols + ((k + cols - 1) % cols)];
      for (const j of new Set(to)) if (j !== i) out.push([i, j]);
    }
  }
  return out;
}

export function simgridConfig(c: Case): string[] {
  if (c.model === "CM02-pure") return ["--cfg=network/model:CM02", "--cfg=network/crosstraffic:0", "--cfg=network/TCP-gamma:0"];
  return [`--cfg=network/model:${c.model}`];
}

export function simgridPlatform(c: Case): string {
  const head = `<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">\n<platform version="4.1">\n`;
  const lan = `speed="1Gf" bw="${LAN.bandwidth}Bps" lat="${LAN.latency}s" sharing_policy="SPLITDUPLEX"`;
  if (c.platform === "crossbar") return `${head}  <cluster id="c" prefix="h" suffix="" radical="0-${c.ranks - 1}" ${lan}/>\n</platform>\n`;
  const half = c.ranks / 2;
  return (
    head +
    `  <zone id="world" routing="Full">\n` +
    `    <cluster id="A" prefix="a" suffix="" radical="0-${half - 1}" ${lan} router_id="ra"/>\n` +
    `    <cluster id="B" prefix="b" suffix="" radical="0-${half - 1}" ${lan} router_id="rb"/>\n` +
    `    <link id="wan" bandwidth="${WAN.bandwidth}Bps" latency="${WAN.latency}s"/>\n` +
    `    <zoneRoute src="A" dst="B" gw_src="ra" gw_dst="rb"><link_ctn id="wan"/></zoneRoute>\n` +
    `  </zone>\n</platform>\n`
  );
}

/** This project's platform for the case: the WAN is one half-duplex link, as SimGrid's SHARED. */
export function scenarioPlatform(c: Case): Record<string, unknown> {
  const model =
    c.model === "CM02-pure" ? { model: "cm02", crossTraffic: 0, tcpWindow: 0 } : { model: c.model.toLowerCase() };
  const names = hosts(c);
  if (c.platform === "crossbar") return { hosts: names.map((id) => ({ id })), network: { topology: { kind: "switch", ...LAN }, ...model } };
  return {
    hosts: names.map((id) => ({ id })),
    network: {
      topology: {
        kind: "explicit",
        nodes: [{ id: "ra", kind: "switch" }, { id: "rb", kind: "switch" }],
        links: [
          ...names.map((h) => ({ a: h, b: h.startsWith("a") ? "ra" : "rb", ...LAN })),
          { a: "ra", b: "rb", ...WAN, duplex: false },
        ],
      },
      ...model,
    },
  };
}
