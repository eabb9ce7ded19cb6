/**
 * Monotonic time in nanoseconds from CLOCK_MONOTONIC, shared by every process on one host, so a
 * sender and a receiver in two processes can measure one-way latency.
 */
export function monotonicNs(): bigint {
  return process.hrtime.bigint()
}

/** {@link monotonicNs} as (fractional) milliseconds. */
export function monotonicMs(): number {
  const [s, ns] = process.hrtime()
  return s * 1e3 + ns / 1e6
}
