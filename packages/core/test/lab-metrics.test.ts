import {
  ArrivalSampler,
  createEnvelopeBuffer,
  decodeMessageRecords,
  ENVELOPE_HEADER_BYTES,
  labMetricsFromSummary,
  latencyCdf,
  ReceiverMetrics,
  type ReceiverMetricsInit,
  readEnvelope,
  writeEnvelope,
} from '@protolab/core'
import { describe, expect, it } from 'vitest'

const MS = 1e6

/** Feeds first copies and duplicates in arrival order; message i arrives at `i` ms, sent 1 ms before. */
function arrive(seqs: readonly number[], init?: ReceiverMetricsInit): ReceiverMetrics {
  const metrics = new ReceiverMetrics(init)
  seqs.forEach((seq, i) => {
    metrics.recordMessage(seq, (10 + i) * MS, (11 + i) * MS, 100)
  })
  return metrics
}

describe('receiver metrics: accounting', () => {
  it('counts an in-order run as all delivered', () => {
    const result = arrive([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).result(10)
    expect(result).toMatchObject({
      sent: 10,
      delivered: 10,
      lost: 0,
      duplicates: 0,
      reordered: 0,
      maxReorderExtent: 0,
    })
  })

  it('counts duplicates apart, never as deliveries, loss or reordering', () => {
    const result = arrive([0, 1, 1, 2, 2, 2, 3, 0]).result(4)
    expect(result).toMatchObject({ delivered: 4, lost: 0, duplicates: 4, reordered: 0, maxReorderExtent: 0 })
  })

  it('counts loss as sent minus delivered, whatever the duplicates', () => {
    const metrics = arrive([0, 1, 1, 1, 3, 4])
    expect(metrics.result(5)).toMatchObject({ delivered: 4, lost: 1, duplicates: 2 })
    expect(metrics.result(7)).toMatchObject({ delivered: 4, lost: 3 })
    expect(metrics.result(0).lost).toBe(0)
  })

  it('finds reordering and its extent as RFC 4737 defines them', () => {
    // §4.2: 5 and 6 arrive after 7: extents 1 and 2.
    expect(arrive([1, 2, 3, 4, 7, 5, 6, 8, 9, 10]).result(11)).toMatchObject({
      reordered: 2,
      maxReorderExtent: 2,
    })
    // One late message passed by four.
    expect(arrive([1, 2, 3, 5, 6, 7, 8, 4, 9]).result(10)).toMatchObject({
      reordered: 1,
      maxReorderExtent: 4,
    })
    // A complete reversal: every message but the first is reordered; the last has extent 9.
    expect(arrive([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]).result(11)).toMatchObject({
      reordered: 9,
      maxReorderExtent: 9,
    })
    // Two records: 3 is passed by 4 (arrived second) and 6, so its extent counts from 4.
    expect(arrive([1, 4, 2, 6, 3, 5]).result(7)).toMatchObject({ reordered: 3, maxReorderExtent: 3 })
  })

  it('counts a late duplicate as a duplicate, not a reordering', () => {
    expect(arrive([0, 2, 1, 1, 3, 2]).result(4)).toMatchObject({
      reordered: 1,
      maxReorderExtent: 1,
      duplicates: 2,
    })
  })

  it('counts foreign and corrupt messages and keeps them out of every other number', () => {
    const metrics = new ReceiverMetrics()
    const buffer = createEnvelopeBuffer(16)
    const send = (session: number, seq: number) => {
      writeEnvelope(buffer, { session, seq, sentAtNs: seq * MS }, 16)
      return buffer.slice()
    }
    metrics.record(readEnvelope(send(7, 0), 7), 1 * MS)
    metrics.record(readEnvelope(send(8, 1), 7), 2 * MS)
    const damaged = send(7, 1)
    damaged[ENVELOPE_HEADER_BYTES + 3]! ^= 0x40
    metrics.record(readEnvelope(damaged, 7), 3 * MS)
    metrics.record(readEnvelope(new TextEncoder().encode('hello, lab'), 7), 4 * MS)
    metrics.record(readEnvelope(send(7, 2), 7), 5 * MS)
    expect(metrics.result(3)).toMatchObject({
      delivered: 2,
      lost: 1,
      duplicates: 0,
      reordered: 0,
      corrupted: 1,
      foreign: 2,
    })
    expect(metrics.delivered).toBe(2)
    expect(metrics.corrupted).toBe(1)
    expect(metrics.foreign).toBe(2)
  })

  it('counts sequence numbers beyond maxMessages as foreign', () => {
    const metrics = arrive([0, 1, 99, 2], { maxMessages: 50 })
    expect(metrics.result(3)).toMatchObject({ delivered: 3, foreign: 1, lost: 0 })
  })

  it('grows past the expected count', () => {
    const seqs = Array.from({ length: 5000 }, (_, i) => i)
    const metrics = arrive(seqs, { expectedMessages: 10 })
    expect(metrics.result(5000)).toMatchObject({ delivered: 5000, lost: 0 })
    expect(metrics.messageRecords().count).toBe(5000)
  })
})

describe('receiver metrics: timing', () => {
  it('reports latency percentiles in ms through the HDR histogram', () => {
    const metrics = new ReceiverMetrics()
    for (let i = 1; i <= 1000; i++) metrics.recordMessage(i - 1, 0, i * MS, 10)
    const { latencyMs } = metrics.result(1000)
    expect(latencyMs.p50).toBeCloseTo(500, -0.3) // 3 significant digits: within ±1
    expect(Math.abs(latencyMs.p90 - 900)).toBeLessThanOrEqual(1)
    expect(Math.abs(latencyMs.p99 - 990)).toBeLessThanOrEqual(1)
    expect(Math.abs(latencyMs.p999 - 999)).toBeLessThanOrEqual(1)
    expect(latencyMs.max).toBe(1000)
  })

  it('reports zeros when nothing arrived', () => {
    const result = new ReceiverMetrics().result(5)
    expect(result).toMatchObject({
      delivered: 0,
      lost: 5,
      jitterMs: 0,
      messagesPerSec: 0,
      durationMs: 0,
      stalls: 0,
    })
    expect(result.latencyMs).toEqual({
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
  })

  it('computes RFC 3550 jitter from transit differences', () => {
    const steady = new ReceiverMetrics()
    for (let i = 0; i < 100; i++) steady.recordMessage(i, i * MS, (i + 5) * MS, 10)
    expect(steady.result(100).jitterMs).toBe(0)

    // Transit alternates 0 and 10 ms: |D| = 10 every time, so J = 10 (1 − (15/16)^n).
    const alternating = new ReceiverMetrics()
    for (let i = 0; i < 51; i++) alternating.recordMessage(i, i * 20 * MS, (i * 20 + (i % 2) * 10) * MS, 10)
    expect(alternating.result(51).jitterMs).toBeCloseTo(10 * (1 - (15 / 16) ** 50), 3)
  })

  it('measures throughput from the first send to the last delivery', () => {
    const metrics = new ReceiverMetrics()
    // 100 messages of 1000 bytes, sent every 10 ms from t = 0, each arriving 10 ms later: 1 s in all.
    for (let i = 0; i < 100; i++) metrics.recordMessage(i, i * 10 * MS, (i * 10 + 10) * MS, 1000)
    const result = metrics.result(100)
    expect(result.durationMs).toBe(1000)
    expect(result.messagesPerSec).toBe(100)
    expect(result.bytesPerSec).toBe(100_000)
  })

  it('counts arrival gaps far above the median (and above the floor) as stalls', () => {
    const metrics = new ReceiverMetrics()
    let t = 0
    for (let i = 0; i < 200; i++) {
      t += i === 50 ? 200 : i === 120 ? 40 : i === 150 ? 60 : 1
      metrics.recordMessage(i, 0, t * MS, 10)
    }
    const summary = metrics.summary()
    expect(summary.medianGapMs).toBeCloseTo(1, 2)
    expect(summary.stallThresholdMs).toBe(50)
    expect(summary.stalls.map((stall) => Math.round(stall.gapMs))).toEqual([200, 60])
    expect(metrics.result(200).stalls).toBe(2)

    // A slow, regular sender has no stalls: the threshold follows the median gap.
    const slow = new ReceiverMetrics()
    for (let i = 0; i < 20; i++) slow.recordMessage(i, 0, i * 100 * MS, 10)
    expect(slow.result(20).stalls).toBe(0)
  })
})

describe('receiver summary', () => {
  const metrics = arrive([0, 2, 1, 1, 4, 5, 5, 7])
  const summary = metrics.summary()

  it('survives JSON and structured clone, and gives the same metrics', () => {
    const viaJson = JSON.parse(JSON.stringify(summary))
    expect(labMetricsFromSummary(viaJson, 8)).toEqual(metrics.result(8))
    expect(labMetricsFromSummary(structuredClone(summary), 8)).toEqual(metrics.result(8))
  })

  it('carries a record for every sequence number', () => {
    const records = decodeMessageRecords(JSON.parse(JSON.stringify(summary)))!
    expect(records.count).toBe(8)
    expect(Array.from(records.copies)).toEqual([1, 2, 1, 0, 1, 2, 0, 1])
    expect(Array.from(records.reordered)).toEqual([0, 1, 0, 0, 0, 0, 0, 0])
    // Times are ms after the send time of the first arrival (seq 0, sent at 10 ms, arrived at 11 ms).
    expect(records.sentMs[0]).toBe(0)
    expect(records.arrivalMs[0]).toBe(1)
    expect(records.arrivalMs[2]).toBe(2) // arrived second
    expect(records.arrivalMs[1]).toBe(3) // arrived third
    expect(records.sentMs[1]).toBe(2)
    expect(Number.isNaN(records.arrivalMs[3]!)).toBe(true)
  })

  it('leaves the records out when asked', () => {
    expect(metrics.summary({ messages: false }).messages).toBeUndefined()
    expect(decodeMessageRecords(metrics.summary({ messages: false }))).toBeUndefined()
  })

  it('gives a latency CDF that rises to 1', () => {
    const cdf = latencyCdf(summary)
    expect(cdf.fraction.at(-1)).toBe(1)
    for (let i = 1; i < cdf.ms.length; i++) {
      expect(cdf.ms[i]!).toBeGreaterThanOrEqual(cdf.ms[i - 1]!)
      expect(cdf.fraction[i]!).toBeGreaterThan(cdf.fraction[i - 1]!)
    }
  })

  it('refuses data that is not a summary', () => {
    expect(() => labMetricsFromSummary({ ...summary, format: 'x' } as never, 1)).toThrow(/receiver summary/)
    expect(() => labMetricsFromSummary(summary, -1)).toThrow(/sent/)
  })
})

describe('arrival sampler', () => {
  it('keeps every arrival until full, then evenly spaced arrivals', () => {
    const small = new ArrivalSampler(100)
    for (let i = 0; i < 60; i++) small.add(i, i, false)
    expect(small.sample().seq).toEqual(Array.from({ length: 60 }, (_, i) => i))

    const sampler = new ArrivalSampler(1000)
    for (let i = 0; i < 100_000; i++) sampler.add(i, i / 10, i % 7 === 0)
    const { seq, arrivalMs, duplicate, stride } = sampler.sample()
    expect(seq.length).toBeGreaterThanOrEqual(500)
    expect(seq.length).toBeLessThanOrEqual(1000)
    expect(stride).toBe(128)
    expect(seq.every((value, i) => value === i * stride)).toBe(true)
    expect(arrivalMs[3]).toBe((3 * stride) / 10)
    expect(duplicate[7]).toBe((7 * stride) % 7 === 0 ? 1 : 0)
  })

  it('refuses a capacity below 2', () => {
    expect(() => new ArrivalSampler(1)).toThrow(/at least 2/)
  })
})
