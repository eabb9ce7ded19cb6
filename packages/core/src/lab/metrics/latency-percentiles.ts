import type { Histogram } from 'hdr-histogram-js'
import type { LatencyPercentilesMs } from './lab-metrics.js'
import type { LatencyMomentsMs } from './latency-moments.js'

/**
 * The latency statistics of a microsecond histogram and the exact moments of the same samples.
 * A histogram answers a percentile with the top of its bucket, which can lie above the largest
 * sample (or, for 0 µs buckets, below the smallest), so every percentile is clamped into the exact
 * `[min, max]`: clamping keeps them in order, since the histogram's are. All 0 when `count` is 0.
 */
export function latencyPercentilesMs(
  histogram: Histogram,
  moments: LatencyMomentsMs,
  count: number,
): LatencyPercentilesMs {
  const min = roundMs(moments.minMs)
  const max = roundMs(moments.maxMs)
  const at = (percentile: number): number =>
    count === 0 ? 0 : Math.min(max, Math.max(min, roundMs(histogram.getValueAtPercentile(percentile) / 1000)))
  return {
    min,
    mean: roundMs(moments.meanMs),
    stddev: roundMs(moments.stddevMs),
    p25: at(25),
    p50: at(50),
    p75: at(75),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    p9999: at(99.99),
    max,
  }
}

/** Milliseconds to the microsecond: what the histogram resolves, and tidy JSON. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000
}
