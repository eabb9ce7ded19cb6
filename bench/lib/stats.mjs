/** Small statistics for benchmark samples. Every function takes plain arrays of numbers. */

/** The median of `values` (the mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The `p`-th percentile (0..100) of `sorted` (ascending), nearest-rank, as HDR histograms report it. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

/** Least-squares line through the points `(xs[i], ys[i])`: `y = intercept + slope * x`. */
export function linearFit(xs, ys) {
  const n = xs.length
  if (n < 2) return { slope: 0, intercept: ys[0] ?? 0 }
  let sumX = 0
  let sumY = 0
  for (let i = 0; i < n; i++) {
    sumX += xs[i]
    sumY += ys[i]
  }
  const meanX = sumX / n
  const meanY = sumY / n
  let sxy = 0
  let sxx = 0
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - meanX) * (ys[i] - meanY)
    sxx += (xs[i] - meanX) ** 2
  }
  const slope = sxx === 0 ? 0 : sxy / sxx
  return { slope, intercept: meanY - slope * meanX }
}

/** Monotonic time in nanoseconds (CLOCK_MONOTONIC: the same clock in every process of this host). */
export function nowNs() {
  return process.hrtime.bigint()
}

/** Nanoseconds between two {@link nowNs} readings, as a number. */
export function elapsedNs(fromNs, toNs = nowNs()) {
  return Number(toNs - fromNs)
}

/**
 * Seeded PRNG (mulberry32): the same seed gives the same chunk splits in every run.
 * Returns a function giving floats in [0, 1).
 */
export function seededRandom(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Resolves after the event loop has run once (I/O callbacks included). */
export function yieldToLoop() {
  return new Promise((resolve) => setImmediate(resolve))
}
