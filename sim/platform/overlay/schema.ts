/** The VNET overlay part of a scenario. */
import { z } from "zod";
import { bandwidth, id, seconds } from "../../scenario/quantities.js";


export const overlaySchema = z.strictObject({
  enabled: z.boolean().default(false).describe("send VM traffic through VNET daemons; otherwise VMs are bridged onto the physical network"),
  proxy: id.optional().describe("host running the Proxy daemon (required for the star)"),
  mode: z.enum(["star", "direct"]).default("star").describe("star: first generation, all traffic via the Proxy unless a rule says otherwise; direct: daemons reach each other without links"),
  forwardLatency: seconds.default(0).describe("added by each daemon a frame crosses, one way"),
  daemonBandwidth: bandwidth.optional().describe("forwarding rate of one daemon (user-level proxy), shared by its flows; none when absent"),
  ssl: z
    .strictObject({ latency: seconds.default(0).describe("per message, at each end of an encrypted link"), bandwidth: bandwidth.optional().describe("encryption throughput; none when absent") })
    .default({ latency: 0 })
    .describe("cost of encrypted (SSL) overlay links"),
  links: z.array(z.strictObject({ a: id, b: id, ssl: z.boolean().default(false) })).default([]).describe("overlay links between daemons, by host"),
  rules: z.array(z.strictObject({ at: id, src: id, dst: id, next: id })).default([]).describe("at daemon `at`, frames src -> dst go to daemon `next`"),
});

export type OverlaySpecInput = z.output<typeof overlaySchema>;
export type OverlaySpec = Omit<OverlaySpecInput, "daemonBandwidth" | "ssl"> & { daemonBandwidth: number; ssl: { latency: number; bandwidth: number } };
