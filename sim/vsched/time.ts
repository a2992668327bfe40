/**
 * VSched keeps time in whole nanoseconds: releases, deadlines and budgets are integers, so a
 * release that falls on a tick is seen on that tick however long the run, and equal deadlines
 * compare equal (6 ms x 3 and 9 ms x 2 are both 18,000,000 ns). Integers stay exact below 2^53
 * ns, about 104 days.
 */

/** Seconds to whole nanoseconds. */
export function toNs(seconds: number): number {
  return Math.round(seconds * 1e9);
}

/** Whole nanoseconds to seconds, for the clock. */
export function toSeconds(ns: number): number {
  return ns / 1e9;
}

/** Smallest integer k with k * b >= a, for integers a >= 0, b > 0 (exact, no float rounding). */
export function ceilDiv(a: number, b: number): number {
  let k = Math.floor(a / b);
  while (k * b < a) k++;
  while (k > 0 && (k - 1) * b >= a) k--;
  return k;
}
