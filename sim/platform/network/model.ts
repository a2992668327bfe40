/**
 * How flows share the network: plain max-min, or SimGrid's CM02 and LV08 models, where a
 * flow's share of a bottleneck is inversely proportional to its route's latency (shorter
 * round trips get more), every flow loads its reverse path a little (acknowledgements), and
 * LV08 corrects latency and bandwidth for TCP slow start. The model only sets defaults; every
 * constant is a scenario parameter.
 */
import type { NetworkSpec } from "./schema.js";

export type ModelName = "maxmin" | "cm02" | "lv08";

export interface SharingModel {
  /** Shares weighted by 1 / (latency + weightS * sum of 1 / bandwidth), as CM02. */
  latencyWeighted: boolean;
  /** The latency a flow waits out is its route's times this. */
  latencyFactor: number;
  /** A flow's rate is its share of the links' capacity times this. */
  bandwidthFactor: number;
  /** Bytes of the payload that ranks flows by round trip (LV08's S). */
  weightS: number;
  /** Share of a flow's rate charged to its reverse path; 0 for none. */
  crossTraffic: number;
  /** TCP window: caps a flow at window / RTT; undefined or 0 for none. */
  tcpWindow?: number;
}

/** SimGrid's defaults (3.32): LV08 is its default model; cross traffic and a 4 MiB gamma apply under both. */
export const modelDefaults: Record<ModelName, Required<SharingModel>> = {
  maxmin: { latencyWeighted: false, latencyFactor: 1, bandwidthFactor: 1, weightS: 0, crossTraffic: 0, tcpWindow: 0 },
  cm02: { latencyWeighted: true, latencyFactor: 1, bandwidthFactor: 1, weightS: 0, crossTraffic: 0.05, tcpWindow: 4194304 },
  lv08: { latencyWeighted: true, latencyFactor: 13.01, bandwidthFactor: 0.97, weightS: 20537, crossTraffic: 0.05, tcpWindow: 4194304 },
};

/** The scenario's model with every unset constant at its model's default. */
export function sharingModel(spec: Pick<NetworkSpec, "model" | "latencyFactor" | "bandwidthFactor" | "weightS" | "crossTraffic" | "tcpWindow">): SharingModel {
  const d = modelDefaults[spec.model];
  const window = spec.tcpWindow ?? d.tcpWindow;
  return {
    latencyWeighted: d.latencyWeighted,
    latencyFactor: spec.latencyFactor ?? d.latencyFactor,
    bandwidthFactor: spec.bandwidthFactor ?? d.bandwidthFactor,
    weightS: spec.weightS ?? d.weightS,
    crossTraffic: spec.crossTraffic ?? d.crossTraffic,
    tcpWindow: window > 0 ? window : undefined,
  };
}
