import { describe, expect, it } from 'vitest'
import {
  DEFAULT_COUNT,
  DURATION_COUNT_LIMIT,
  impairmentFor,
  resolveLabOptions,
} from '../../lab/src/runner/options.js'
import { Pacer } from '../../lab/src/runner/pacer.js'
import { buildTrace } from '../../lab/src/runner/trace.js'
import { DEFAULT_STALL_EVERY_BYTES, impairmentFromFlags } from '../src/lab/flags.js'

describe('Pacer', () => {
  it('schedules message n at start + n / rate, so a late timer never shifts the rest', () => {
    const pacer = new Pacer(1000, 5000)
    expect(pacer.dueAt(0)).toBe(5000)
    expect(pacer.dueAt(1500)).toBe(6500)
    expect(new Pacer(0, 5000).dueAt(1_000_000)).toBe(5000)
  })
})

describe('resolveLabOptions', () => {
  it('fills in the defaults', () => {
    const plan = resolveLabOptions({ transports: ['udp'] })
    expect(plan).toMatchObject({
      count: DEFAULT_COUNT,
      size: 64,
      rate: 0,
      mode: 'oneway',
      host: '127.0.0.1',
      inProcess: false,
    })
    expect(resolveLabOptions({ transports: ['tcp'], durationMs: 1000 }).count).toBe(DURATION_COUNT_LIMIT)
  })

  it('refuses values out of range and impairments no chosen transport can have', () => {
    expect(() => resolveLabOptions({ transports: [] })).toThrow('at least one transport')
    expect(() => resolveLabOptions({ transports: ['udp'], count: 0 })).toThrow('count must be a whole number')
    expect(() => resolveLabOptions({ transports: ['udp'], size: 1.5 })).toThrow('size must be a whole number')
    expect(() => resolveLabOptions({ transports: ['udp'], rate: -1 })).toThrow('rate must be 0 or more')
    expect(() => resolveLabOptions({ transports: ['tcp'], impairment: { duplicate: 0.1 } })).toThrow(
      'duplicate applies to UDP and KCP only',
    )
    expect(() => resolveLabOptions({ transports: ['udp'], impairment: { sliceBytes: 1 } })).toThrow(
      'sliceBytes applies to TCP only',
    )
    expect(() => resolveLabOptions({ transports: ['udp'], impairment: { loss: 2 } })).toThrow('probability')
    expect(
      resolveLabOptions({ transports: ['udp', 'tcp'], impairment: { duplicate: 0.1, sliceBytes: 1 } }),
    ).toBeDefined()
  })
})

describe('impairmentFor', () => {
  const both = { loss: 0.05, reorder: 0.02, delayMs: 10, jitterMs: 5, sliceBytes: 3 }
  it('gives each transport the part it can have', () => {
    expect(impairmentFor('udp', both)).toEqual({ loss: 0.05, reorder: 0.02, delayMs: 10, jitterMs: 5 })
    expect(impairmentFor('tcp', both)).toEqual({ loss: 0.05, delayMs: 10, jitterMs: 5, sliceBytes: 3 })
  })

  it('needs no relay for settings that impair nothing', () => {
    expect(impairmentFor('udp', {})).toBeUndefined()
    expect(impairmentFor('udp', { reorderGap: 5, lossModel: 'gilbert' })).toBeUndefined()
    expect(impairmentFor('tcp', { duplicate: 0.5 })).toBeUndefined()
    expect(impairmentFor('udp', { loss: 0 })).toBeUndefined()
  })
})

describe('impairmentFromFlags', () => {
  it('maps the flags to core names', () => {
    expect(impairmentFromFlags({ loss: 0.1, dup: 0.02, delay: 5, rateLimit: 1000 }, 'udp')).toEqual({
      loss: 0.1,
      duplicate: 0.02,
      delayMs: 5,
      rateLimitBytesPerSec: 1000,
    })
  })

  it('stalls every 64 KiB unless told otherwise', () => {
    expect(impairmentFromFlags({ stall: 200 }, 'tcp')).toEqual({
      stallMs: 200,
      stallEveryBytes: DEFAULT_STALL_EVERY_BYTES,
    })
    expect(impairmentFromFlags({ stall: 200, stallChance: 0.01 }, 'tcp')).toEqual({
      stallMs: 200,
      stallProbability: 0.01,
    })
    expect(impairmentFromFlags({ stall: 200, stallEvery: 1000 }, 'tcp')).toEqual({
      stallMs: 200,
      stallEveryBytes: 1000,
    })
    expect(() => impairmentFromFlags({ stallChance: 0.1 }, 'tcp')).toThrow(
      '--stall-chance needs --stall <time>',
    )
  })

  it("takes --queue as the rate limit's queue in packets, and only with --rate-limit", () => {
    expect(impairmentFromFlags({ rateLimit: 2_500_000, queue: 100 }, 'udp')).toEqual({
      rateLimitBytesPerSec: 2_500_000,
      queuePackets: 100,
    })
    expect(() => impairmentFromFlags({ queue: 100 }, 'udp')).toThrow('--queue needs --rate-limit <rate>')
    expect(() => impairmentFromFlags({ rateLimit: 1000, queue: 10 }, 'tcp')).toThrow(
      '--queue applies to UDP only',
    )
  })

  it('refuses a flag the transport cannot have', () => {
    expect(() => impairmentFromFlags({ dup: 0.1, corrupt: 0.1 }, 'tcp')).toThrow(
      '--dup, --corrupt apply to UDP only',
    )
    expect(() => impairmentFromFlags({ slice: 1 }, 'udp')).toThrow('--slice applies to TCP only')
    expect(impairmentFromFlags({ dup: 0.1, slice: 1 }, 'both')).toEqual({ duplicate: 0.1, sliceBytes: 1 })
  })
})

describe('buildTrace', () => {
  it("shifts arrivals to the first send and keeps the counting side's copies and reorder flags", () => {
    const sentAtMs = Float64Array.of(0, 1, 2, 3, 4)
    const records = {
      count: 5,
      copies: Uint8Array.of(1, 2, 0, 1, 1),
      reordered: Uint8Array.of(0, 1, 0, 0, 0),
      sentMs: new Float32Array(5),
      arrivalMs: Float32Array.of(10, 13, Number.NaN, 11, 14),
    }
    // The first message to arrive was sent 0.5 ms after the run's first send.
    const trace = buildTrace('udp', sentAtMs, 5, 1_000_000, records, 1_500_000)
    expect(Array.from(trace.arrivedAtMs)).toEqual([10.5, 13.5, Number.NaN, 11.5, 14.5])
    expect(Array.from(trace.copies)).toEqual([1, 2, 0, 1, 1])
    expect(Array.from(trace.reordered)).toEqual([0, 1, 0, 0, 0])
  })

  it('counts messages past the receiver records as lost', () => {
    const trace = buildTrace(
      'tcp',
      new Float64Array(4),
      4,
      0,
      {
        count: 2,
        copies: Uint8Array.of(1, 1),
        reordered: new Uint8Array(2),
        sentMs: new Float32Array(2),
        arrivalMs: Float32Array.of(1, 2),
      },
      0,
    )
    expect(Array.from(trace.copies)).toEqual([1, 1, 0, 0])
    expect(Number.isNaN(trace.arrivedAtMs[3])).toBe(true)
  })
})
