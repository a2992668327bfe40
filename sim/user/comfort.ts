/**
 * A person's comfort threshold: the response time (seconds) past which they find the VM too
 * slow. Each simulated user draws one from a distribution on their own named random stream.
 */
import type { Rng } from "../kernel/index.js";

export type Comfort =
  | { kind: "fixed"; value: number }
  | { kind: "uniform"; min: number; max: number }
  /** exp(N(ln median, sigma)): positive and right-skewed, as perception thresholds are. */
  | { kind: "lognormal"; median: number; sigma: number };

export function drawComfort(c: Comfort, rng: Rng): number {
  switch (c.kind) {
    case "fixed":
      return c.value;
    case "uniform":
      return rng.uniform(c.min, c.max);
    case "lognormal":
      return Math.exp(rng.normal(Math.log(c.median), c.sigma));
  }
}
