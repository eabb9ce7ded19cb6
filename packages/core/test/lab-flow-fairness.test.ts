import {
  aggregateFlows,
  fairness,
  flowBitsPerSec,
  InvalidArgumentError,
  jainIndex,
  labMetricsFromSummary,
  ReceiverMetrics,
  type ReceiverSummary,
} from '@protolab/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

const MS = 1e6

describe('jainIndex', () => {
  it('is 1 for equal rates, 1/n when one flow has everything, k/n when k share equally', () => {
    expect(jainIndex([5, 5, 5, 5])).toBe(1)
    expect(jainIndex([7])).toBe(1)
    expect(jainIndex([10, 0, 0, 0])).toBe(0.25)
    expect(jainIndex([3, 3, 0, 0])).toBe(0.5)
    // (1+2+3+4)² / (4 · 30) = 100/120.
    expect(jainIndex([1, 2, 3, 4])).toBeCloseTo(100 / 120, 12)
  })

  it('is 1 when no flow got anything: all got the same', () => {
    expect(jainIndex([0, 0, 0])).toBe(1)
  })

  it('refuses no flows and negative or non-finite rates', () => {
    for (const rates of [[], [-1, 2], [Number.NaN], [Number.POSITIVE_INFINITY, 1]]) {
      expect(() => jainIndex(rates), String(rates)).toThrow(InvalidArgumentError)
    }
  })

  // Bit rates: 0, or from a thousandth of a bit/s to a terabit/s (no subnormals, which a scaling flushes to 0).
  const rate = fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1e12, noNaN: true }))
  const rates = fc.array(rate, {
    minLength: 1,
    maxLength: 128,
  })

  it('lies in [1/n, 1] for any rates', () => {
    fc.assert(
      fc.property(rates, (xs) => {
        const index = jainIndex(xs)
        expect(index).toBeGreaterThanOrEqual(1 / xs.length)
        expect(index).toBeLessThanOrEqual(1)
      }),
      { numRuns: 1000 },
    )
  })

  it('is 1 for any n equal rates', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e15, noNaN: true }),
        fc.integer({ min: 1, max: 128 }),
        (rate, n) => {
          expect(jainIndex(Array.from({ length: n }, () => rate))).toBeCloseTo(1, 12)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('does not change when every rate is scaled by the same factor, tiny or huge', () => {
    fc.assert(
      fc.property(rates, fc.double({ min: 1e-9, max: 1e9, noNaN: true }), (xs, factor) => {
        const scaled = xs.map((x) => x * factor)
        expect(jainIndex(scaled)).toBeCloseTo(jainIndex(xs), 9)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('fairness', () => {
  it('gives each flow its share of what was delivered and of the bottleneck', () => {
    const result = fairness(
      [
        { deliveredBits: 15e6, bitsPerSec: 15e6 },
        { deliveredBits: 5e6, bitsPerSec: 5e6 },
      ],
      20e6,
      20e6,
    )
    expect(result.jainIndex).toBeCloseTo(400 / 500, 12)
    expect(result.bottleneckBitsPerSec).toBe(20e6)
    expect(result.utilisation).toBe(1)
    expect(result.shares).toEqual([
      { ofDelivered: 0.75, ofBottleneck: 0.75 },
      { ofDelivered: 0.25, ofBottleneck: 0.25 },
    ])
  })

  it('has no bottleneck share without a known bottleneck, and 0 shares when nothing arrived', () => {
    const result = fairness([{ deliveredBits: 0, bitsPerSec: 0 }], 0)
    expect(result).toEqual({
      jainIndex: 1,
      bottleneckBitsPerSec: null,
      utilisation: null,
      shares: [{ ofDelivered: 0, ofBottleneck: null }],
    })
  })

  it('refuses a bottleneck rate that is not above 0', () => {
    expect(() => fairness([{ deliveredBits: 1, bitsPerSec: 1 }], 1, 0)).toThrow(InvalidArgumentError)
    expect(() => fairness([], 0)).toThrow(InvalidArgumentError)
  })
})

/**
 * A receiver's summary of one flow: message `seq` of `seqs` is sent at `startMs + seq` ms and
 * arrives `latencyMs(seq)` later, carrying `payload` bytes.
 */
function flowSummary(
  seqs: readonly number[],
  startMs: number,
  latencyMs: (seq: number) => number,
  payload = 100,
): ReceiverSummary {
  const metrics = new ReceiverMetrics()
  for (const seq of seqs) {
    const sentNs = (startMs + seq) * MS
    metrics.recordMessage(seq, sentNs, sentNs + latencyMs(seq) * MS, payload)
  }
  return metrics.summary({ messages: false })
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

describe('aggregateFlows', () => {
  it('sums the counts of the flows, and each flow keeps its own', () => {
    const a = flowSummary(range(100), 1000, () => 2)
    // Flow b lost 10 of 60 (seq 50..59 never arrived) and got seq 3 twice.
    const b = flowSummary([...range(50), 3], 1000, () => 4)
    const aggregate = aggregateFlows(
      [
        { sent: 100, summary: a },
        { sent: 60, summary: b },
      ],
      { unclaimedForeign: 2, unclaimedCorrupted: 3 },
    )
    expect(aggregate).toMatchObject({
      flows: 2,
      sent: 160,
      delivered: 150,
      lost: 10,
      duplicates: 1,
      foreign: 2,
      corrupted: 3,
      payloadBytes: 150 * 100,
    })
    const each = [labMetricsFromSummary(a, 100), labMetricsFromSummary(b, 60)]
    for (const key of ['sent', 'delivered', 'lost', 'duplicates', 'reordered'] as const) {
      expect(aggregate[key], key).toBe(each[0]![key] + each[1]![key])
    }
  })

  it('merges the latency histograms: percentiles of all deliveries, never above the max', () => {
    // 90 deliveries at 1 ms, 10 at 50 ms, in two flows.
    const fast = flowSummary(range(90), 0, () => 1)
    const slow = flowSummary(range(10), 0, () => 50)
    const aggregate = aggregateFlows([
      { sent: 90, summary: fast },
      { sent: 10, summary: slow },
    ])
    expect(aggregate.latencyMs.p50).toBeCloseTo(1, 2)
    expect(aggregate.latencyMs.p99).toBeCloseTo(50, 1)
    expect(aggregate.latencyMs.max).toBe(50)
    // Pooled moments of the union: mean (90 · 1 + 10 · 50) / 100, stddev √(250.9 − 5.9²).
    expect(aggregate.latencyMs.min).toBe(1)
    expect(aggregate.latencyMs.mean).toBeCloseTo(5.9, 3)
    expect(aggregate.latencyMs.stddev).toBeCloseTo(14.7, 3)
    for (const value of Object.values(aggregate.latencyMs)) {
      expect(value).toBeLessThanOrEqual(aggregate.latencyMs.max)
    }
  })

  it('measures rates over the union of the flows time spans', () => {
    // Flow a: sent from 0 ms, last arrival at 99 + 1 = 100 ms. Flow b: from 50 ms to 149 + 1 = 150 ms.
    const a = flowSummary(range(100), 0, () => 1)
    const b = flowSummary(range(100), 50, () => 1)
    const aggregate = aggregateFlows([
      { sent: 100, summary: a },
      { sent: 100, summary: b },
    ])
    expect(aggregate.durationMs).toBe(150)
    expect(aggregate.messagesPerSec).toBeCloseTo(200 / 0.15, 1)
    expect(aggregate.bytesPerSec).toBeCloseTo((200 * 100) / 0.15, 1)
    expect(aggregate.bitsPerSec).toBeCloseTo((200 * 100 * 8) / 0.15, 0)
    // Each flow's own rate is over its own 100 ms.
    expect(flowBitsPerSec(a)).toBeCloseTo((100 * 100 * 8) / 0.1, 6)
  })

  it('reports zeros, not NaN, when nothing arrived', () => {
    const empty = new ReceiverMetrics().summary({ messages: false })
    const aggregate = aggregateFlows([
      { sent: 10, summary: empty },
      { sent: 5, summary: empty },
    ])
    expect(aggregate).toMatchObject({ sent: 15, delivered: 0, lost: 15, durationMs: 0, bitsPerSec: 0 })
    expect(aggregate.latencyMs).toEqual({
      min: 0,
      mean: 0,
      stddev: 0,
      p25: 0,
      p50: 0,
      p75: 0,
      p90: 0,
      p99: 0,
      p999: 0,
      p9999: 0,
      max: 0,
    })
    expect(flowBitsPerSec(empty)).toBe(0)
  })

  it('refuses no flows and a bad sent count', () => {
    expect(() => aggregateFlows([])).toThrow(InvalidArgumentError)
    const empty = new ReceiverMetrics().summary({ messages: false })
    expect(() => aggregateFlows([{ sent: -1, summary: empty }])).toThrow(InvalidArgumentError)
  })
})
