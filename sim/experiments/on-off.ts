/** A heavy-tailed on-off stream: Pareto on and off periods, as steps between 0 and `rate`. */
import type { Rng } from "../kernel/index.js";

export interface OnOff {
  rate: number;
  meanOn: number;
  meanOff: number;
  /** Pareto shape (> 1). */
  shape: number;
}

/** Steps from time 0 (off) to `until`: off for a Pareto period, on for one, and so on. */
export function onOff(rng: Rng, c: OnOff, until: number): { at: number; rate: number }[] {
  const pareto = (mean: number) => (mean * (c.shape - 1)) / c.shape / Math.pow(1 - rng.random(), 1 / c.shape);
  const steps: { at: number; rate: number }[] = [{ at: 0, rate: 0 }];
  let t = pareto(c.meanOff);
  while (t < until) {
    steps.push({ at: t, rate: c.rate });
    t += pareto(c.meanOn);
    steps.push({ at: t, rate: 0 });
    t += pareto(c.meanOff);
  }
  return steps;
}

