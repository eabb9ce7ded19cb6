import { ReceiverMetrics } from '@protolab/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

/** The run's latency statistics for these one-way latencies in ns, one message each. */
function statisticsOf(latenciesNs: readonly number[]) {
  const metrics = new ReceiverMetrics({ expectedMessages: latenciesNs.length })
  latenciesNs.forEach((latencyNs, seq) => {
    metrics.recordMessage(seq, 1e9, 1e9 + latencyNs, 10)
  })
  return metrics.result(latenciesNs.length).latencyMs
}

/** Latencies from 0 to 100 s in ns, with the histogram's awkward spots (0, sub-µs, bucket edges) likely. */
const latencyNs = fc.oneof(
  fc.integer({ min: 0, max: 100_000_000_000 }),
  fc.integer({ min: 0, max: 5_000 }),
  fc.constantFrom(0, 1, 499, 500, 1_000, 2_047_000, 2_048_000, 76_560_000, 2_573_843_000),
)

/** Any samples: tiny (one or two), constant, or up to a few thousand. */
const samples = fc.oneof(
  fc.array(latencyNs, { minLength: 1, maxLength: 2 }),
  fc.tuple(latencyNs, fc.integer({ min: 1, max: 500 })).map(([value, n]) => Array<number>(n).fill(value)),
  fc.array(latencyNs, { minLength: 1, maxLength: 3_000 }),
)

describe('latency statistics', () => {
  it('keep min ≤ p25 ≤ p50 ≤ p75 ≤ p90 ≤ p99 ≤ p99.9 ≤ p99.99 ≤ max, and the mean inside', () => {
    fc.assert(
      fc.property(samples, (latencies) => {
        const s = statisticsOf(latencies)
        const ordered = [s.min, s.p25, s.p50, s.p75, s.p90, s.p99, s.p999, s.p9999, s.max]
        for (let i = 1; i < ordered.length; i++) expect(ordered[i]).toBeGreaterThanOrEqual(ordered[i - 1]!)
        expect(s.mean).toBeGreaterThanOrEqual(s.min)
        expect(s.mean).toBeLessThanOrEqual(s.max)
        expect(s.stddev).toBeGreaterThanOrEqual(0)
        expect(s.min).toBe(Math.round(Math.min(...latencies) / 1000) / 1000)
        expect(s.max).toBe(Math.round(Math.max(...latencies) / 1000) / 1000)
      }),
      { numRuns: 1_000 },
    )
  })

  it('are exact for a constant sample: every statistic is the value, the spread 0', () => {
    const s = statisticsOf(Array<number>(1000).fill(76_561_234))
    expect(s).toEqual({
      min: 76.561,
      mean: 76.561,
      stddev: 0,
      p25: 76.561,
      p50: 76.561,
      p75: 76.561,
      p90: 76.561,
      p99: 76.561,
      p999: 76.561,
      p9999: 76.561,
      max: 76.561,
    })
  })

  it('gives the exact mean and population standard deviation', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9 ms: mean 5, population standard deviation 2.
    const s = statisticsOf([2, 4, 4, 4, 5, 5, 7, 9].map((ms) => ms * 1e6))
    expect(s.mean).toBe(5)
    expect(s.stddev).toBe(2)
    expect(s.min).toBe(2)
    expect(s.max).toBe(9)
  })

  it('keeps the tail within 0.1% of the true percentile', () => {
    // 1..10,000 µs: the true p99.99 is 9,999 µs and p25 2,500 µs.
    const s = statisticsOf(Array.from({ length: 10_000 }, (_, i) => (i + 1) * 1000))
    expect(Math.abs(s.p9999 - 9.999)).toBeLessThanOrEqual(9.999 * 0.001)
    expect(Math.abs(s.p25 - 2.5)).toBeLessThanOrEqual(2.5 * 0.001)
    expect(s.max).toBe(10)
  })
})
