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

/**
 * {@link monotonicNs} as a number, without a BigInt per call, for the lab's per-message hot path.
 * Exact below 2^53 ns (about 104 days of uptime), within a few nanoseconds above.
 */
export function nowNs(): number {
  const [seconds, nanoseconds] = process.hrtime()
  return seconds * 1e9 + nanoseconds
}
