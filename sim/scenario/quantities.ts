/** Reusable field types, so every quantity says its unit once. */
import { z } from "zod";
import { quantity } from "./units.js";

export const id = z.string().max(128, "a name is at most 128 characters").regex(/^[A-Za-z_][\w.-]*$/, "must be a name: a letter or _, then letters, digits, _ . -");
/** Times, byte counts and byte rates take a number in the base unit or a unit string ("10ms", "4GiB", "1Gbps"). */
export const seconds = quantity("time", z.number().nonnegative()).describe("seconds");
export const positiveSeconds = quantity("time", z.number().positive()).describe("seconds");
export const bytes = quantity("size", z.number().nonnegative()).describe("bytes");
export const positiveBytes = quantity("size", z.number().positive()).describe("bytes");
export const bandwidth = quantity("rate", z.number().positive()).describe("bytes per second");
export const byteRate = quantity("rate", z.number().nonnegative()).describe("bytes per second");
export const speed = quantity("speed", z.number().positive()).describe("operations per second");
/** Events per second (not bytes): a plain number. */
export const rate = z.number().positive().describe("per second");
export const count = z.number().int().nonnegative();
export const positiveCount = z.number().int().positive();
export const fraction = z.number().min(0).max(1);
