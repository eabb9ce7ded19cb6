import type { LabRun } from '@protolab/lab'
import { describe, expect, it } from 'vitest'
import { parseDemoArgs } from '../src/args.js'
import { toHex } from '../src/hex.js'
import { readRun, readRuns } from '../src/reading.js'

/** Latency statistics a test overrides in part. */
const LATENCY = {
  min: 5,
  mean: 10,
  stddev: 1,
  p25: 9,
  p50: 10,
  p75: 11,
  p90: 12,
  p99: 15,
  p999: 16,
  p9999: 16.5,
  max: 17,
}

function run(transport: 'udp' | 'tcp', overrides: Partial<LabRun> = {}): LabRun {
  return {
    transport,
    mode: 'oneway',
    sent: 1000,
    delivered: 1000,
    lost: 0,
    duplicates: 0,
    reordered: 0,
    maxReorderExtent: 0,
    corrupted: 0,
    foreign: 0,
    latencyMs: LATENCY,
    jitterMs: 1,
    messagesPerSec: 1000,
    bytesPerSec: 64_000,
    bitsPerSec: 512000,
    durationMs: 1000,
    stalls: 0,
    impairment: null,
    seed: 1,
    ...overrides,
  }
}

describe('the reading', () => {
  it('is computed from the numbers', () => {
    expect(readRun(run('udp', { delivered: 950, lost: 50, reordered: 7, maxReorderExtent: 3 }))).toBe(
      'UDP delivered 950 of 1,000 messages (95.0%); 50 never arrived, 7 arrived out of order (up to 3 places late). Latency: half within 10 ms, 99% within 15 ms.',
    )
    expect(
      readRun(
        run('tcp', {
          stalls: 2,
          latencyMs: {
            min: 2.125,
            mean: 4.25,
            stddev: 1,
            p25: 3.825,
            p50: 4.25,
            p75: 4.625,
            p90: 5,
            p99: 250,
            p999: 260,
            p9999: 260.5,
            max: 261,
          },
        }),
      ),
    ).toBe(
      'TCP delivered all 1,000 messages, each once and in order. Latency: half within 4.3 ms, 99% within 250 ms. Arrivals stalled 2 times.',
    )
  })

  it('compares TCP with UDP only when the numbers show a difference', () => {
    const slowTcp = readRuns([
      run('udp', { lost: 10, delivered: 990 }),
      run('tcp', {
        latencyMs: {
          min: 150.0,
          mean: 300,
          stddev: 1,
          p25: 270.0,
          p50: 300,
          p75: 350.0,
          p90: 400,
          p99: 500,
          p999: 510,
          p9999: 515.0,
          max: 520,
        },
      }),
    ])
    expect(slowTcp.at(-1)).toMatch(
      /paid in time instead: its 99th-percentile latency was 500 ms against UDP's 15 ms/,
    )
    const sameTcp = readRuns([run('udp'), run('tcp')])
    expect(sameTcp.at(-1)).toBe(
      'TCP gave the application every byte, once and in order, whatever the relay did.',
    )
    expect(sameTcp.some((line) => line.startsWith('UDP hands'))).toBe(false)
  })

  it("explains TCP's recovery by the kernel, not by a model, when the packet link ran", () => {
    const tcpKernel = { RetransSegs: 40, TCPFastRetrans: 31, TCPTimeouts: 2, TCPLossProbes: 5 }
    const kernel = run('tcp', {
      link: 'packet',
      retransmits: 38,
      rttMs: 21.4,
      latencyMs: { ...LATENCY, p50: 12, p90: 20, p99: 60, p999: 210, max: 230 },
      packetLink: { tcpKernel } as unknown as NonNullable<LabRun['packetLink']>,
    })
    const lines = readRuns([run('udp', { lost: 50, delivered: 950 }), kernel])
    expect(lines.join('\n')).not.toMatch(/modelled/)
    expect(lines).toContain(
      "This was the kernel's own TCP, not a model: its sender retransmitted 38 segments (read with ss): 31 fast retransmits (about one round trip, once later segments are acknowledged) and 2 timeouts (an RTO of at least 200 ms, when a retransmission or the tail of a burst was lost). Its smoothed round trip was 21 ms.",
    )
    expect(lines.join('\n')).toMatch(/until the kernel retransmits it\./)
    const modelled = readRuns([
      run('udp', { lost: 50, delivered: 950 }),
      run('tcp', {
        modelled: 'loss',
        latencyMs: { ...LATENCY, p50: 12, p90: 20, p99: 60, p999: 210, max: 230 },
      }),
    ])
    expect(modelled.join('\n')).toMatch(/modelled here as Linux TCP recovers it/)
    expect(modelled.join('\n')).not.toMatch(/kernel's own TCP/)
  })

  it('puts reordering down to jitter when the relay held back far fewer', () => {
    const jittery = run('udp', { reordered: 400, impairment: { reorder: 0.02, delayMs: 10, jitterMs: 5 } })
    expect(readRuns([jittery]).join('\n')).toMatch(
      /comes from the jitter.*held back about 20\).*10±5 ms.*every 1\.0 ms/,
    )
    const held = run('udp', { reordered: 25, impairment: { reorder: 0.02, delayMs: 10, jitterMs: 5 } })
    expect(readRuns([held]).join('\n')).not.toMatch(/jitter/)
  })
})

describe('arguments and bytes', () => {
  it('takes --transport udp|tcp|both and --report', () => {
    expect(parseDemoArgs([]).transports).toEqual(['udp', 'tcp'])
    expect(parseDemoArgs(['--', '--transport', 'udp']).transports).toEqual(['udp'])
    expect(parseDemoArgs(['--transport=tcp', '--report', 'x.html'])).toEqual({
      transports: ['tcp'],
      report: 'x.html',
      help: false,
    })
    expect(() => parseDemoArgs(['--transport'])).toThrow('--transport needs a value')
    expect(() => parseDemoArgs(['--fast'])).toThrow('unknown argument "--fast"')
  })

  it('shows bytes as hex pairs', () => {
    expect(toHex(Uint8Array.of(0xc4, 0xe3, 0x0a))).toBe('c4 e3 0a')
  })
})
