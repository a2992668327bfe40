/** Wren settings (reconstruction defaults). */
import { z } from "zod";
import { bytes, fraction, positiveCount, positiveSeconds } from "../scenario/quantities.js";

export const wrenSchema = z.strictObject({
  enabled: z.boolean().default(false),
  minBytes: bytes.default(65536).describe("transfers at least this large give bandwidth samples"),
  smallBytes: bytes.default(2048).describe("transfers at most this large give latency samples"),
  noise: fraction.default(0.05).describe("relative standard deviation of measurement noise on each sample"),
  window: positiveCount.default(9).describe("samples per host pair the estimate is the median of"),
  maxAge: positiveSeconds.default(30).describe("samples older than this are forgotten"),
  exportInterval: positiveSeconds.default(1).describe("how often the estimate table is written"),
});

export type WrenSpec = z.output<typeof wrenSchema>;
