/** VTTIF settings (reconstruction defaults from PAPERS.md). */
import { z } from "zod";
import { bytes, fraction, id, positiveCount, positiveSeconds } from "../scenario/quantities.js";

export const vttifSchema = z.strictObject({
  enabled: z.boolean().default(false),
  interval: positiveSeconds.default(1).describe("update interval: daemons report their local matrices to the Proxy"),
  window: positiveCount.default(5).describe("smoothing window, in update intervals"),
  threshold: fraction.default(0.1).describe("prune entries below this fraction of the largest"),
  damping: positiveCount.default(3).describe("report a new topology only after it persists for this many updates"),
  aggregator: id.optional().describe("host that aggregates (default: the overlay Proxy, else the first host)"),
  reportHeader: bytes.default(64).describe("bytes per daemon report, plus entryBytes per matrix entry"),
  entryBytes: bytes.default(16),
});

export type VttifSpec = z.output<typeof vttifSchema>;
