/** Reusable field types, so every quantity says its unit once. */
import { z } from "zod";

export const id = z.string().max(128, "a name is at most 128 characters").regex(/^[A-Za-z_][\w.-]*$/, "must be a name: a letter or _, then letters, digits, _ . -");
export const seconds = z.number().nonnegative().describe("seconds");
export const positiveSeconds = z.number().positive().describe("seconds");
export const rate = z.number().positive().describe("per second");
export const bytes = z.number().nonnegative().describe("bytes");
export const count = z.number().int().nonnegative();
export const positiveCount = z.number().int().positive();
export const fraction = z.number().min(0).max(1);
