import type { LabRun, LabTrace, LabTransportName } from '../src/runner/types.js'

/** A run with plausible numbers, for renderer tests that need no sockets. */
export function syntheticRun(transport: LabTransportName, overrides: Partial<LabRun> = {}): LabRun {
  return {
    transport,
    mode: 'oneway',
    sent: 1000,
    delivered: 950,
    lost: 50,
    duplicates: 3,
    reordered: 20,
    maxReorderExtent: 2,
    corrupted: 0,
    foreign: 0,
    latencyMs: {
      min: 5.1,
      mean: 10.2,
      stddev: 1,
      p25: 9.18,
      p50: 10.2,
      p75: 12.15,
      p90: 14.1,
      p99: 15.5,
      p999: 15.9,
      p9999: 15.95,
      max: 16,
    },
    jitterMs: 2.3,
    messagesPerSec: 980,
    bytesPerSec: 62_720,
    bitsPerSec: 501760,
    durationMs: 1020,
    stalls: 0,
    impairment:
      transport === 'udp'
        ? { loss: 0.05, lossModel: 'random', reorder: 0.02, delayMs: 10, jitterMs: 5 }
        : { delayMs: 10, jitterMs: 5, sliceBytes: 1 },
    seed: 1,
    ...overrides,
  }
}

/**
 * A trace of `count` messages sent 1 ms apart, arriving 10 ms later, where every 20th is lost,
 * every 50th arrives twice and every 37th arrives after the next one (reordered).
 */
export function syntheticTrace(transport: LabTransportName, count: number): LabTrace {
  const trace: LabTrace = {
    transport,
    count,
    sentAtMs: new Float64Array(count),
    arrivedAtMs: new Float64Array(count).fill(Number.NaN),
    copies: new Uint8Array(count),
    reordered: new Uint8Array(count),
  }
  for (let seq = 0; seq < count; seq++) {
    trace.sentAtMs[seq] = seq
    if (seq % 20 === 19) continue
    trace.arrivedAtMs[seq] = seq % 37 === 36 ? seq + 11.5 : seq + 10
    if (seq % 37 === 36) trace.reordered[seq] = 1
    trace.copies[seq] = seq % 50 === 49 ? 2 : 1
  }
  return trace
}

/** How many messages of a synthetic trace have each status. */
export function syntheticCounts(count: number): {
  lost: number
  reordered: number
  duplicated: number
  delivered: number
} {
  let lost = 0
  let reordered = 0
  let duplicated = 0
  for (let seq = 0; seq < count; seq++) {
    if (seq % 20 === 19) lost++
    else if (seq % 37 === 36) reordered++
    else if (seq % 50 === 49) duplicated++
  }
  return { lost, reordered, duplicated, delivered: count - lost - reordered - duplicated }
}
