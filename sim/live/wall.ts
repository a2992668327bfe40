/** Wall time lives here only: the simulator proper never reads it. */
export function monotonicSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Peak resident set size of this process, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
