import { describe, expect, it } from 'vitest'
import { displayWidth, padEndDisplay, padStartDisplay } from '../src/report/display-width.js'
import { renderTable } from '../src/report/table.js'
import type { LabRun, LabTransportName } from '../src/runner/types.js'
import { syntheticRun } from './report-fixtures.js'

/** A third transport's run: the lab has two today; the table must be ready for a third. */
function thirdTransport(): LabRun {
  return syntheticRun('kcp' as LabTransportName, { impairment: null })
}

/** Runs as a busy unpaced run makes them: the widest numbers the table shows. */
function wideRuns(): LabRun[] {
  const wide = {
    sent: 1_000_000,
    delivered: 714_285,
    lost: 285_715,
    lostBy: { impairment: 100_000, linkQueue: 0, receiverBuffer: 185_715, sender: 0, unknown: 0 },
    duplicates: 123_456,
    recvBufferBytes: 212_992,
    latencyMs: {
      min: 0.011,
      mean: 1234.5,
      stddev: 999.9,
      p25: 12.3,
      p50: 1234.567,
      p75: 2000.1,
      p90: 2500.25,
      p99: 2573.843,
      p999: 2573.843,
      p9999: 2573.843,
      max: 2573.843,
    },
  }
  return [
    syntheticRun('udp', wide),
    syntheticRun('tcp', { ...wide, retransmits: 12_345, rttMs: 123.456, cwnd: 10_000 }),
    { ...thirdTransport(), ...wide },
  ]
}

describe('the terminal table', () => {
  it('fits three transports side by side in 80 columns', () => {
    const text = renderTable(wideRuns())
    const table = text.split('\n\n')[0]!.split('\n')
    expect(table[0]).toMatch(/udp +tcp +kcp$/)
    for (const line of table) expect(displayWidth(line)).toBeLessThanOrEqual(80)
    // Every row is as wide as the heading: the columns line up.
    for (const line of table) expect(displayWidth(line)).toBe(displayWidth(table[0]!))
    expect(table.some((line) => /^Mbit\/s /.test(line))).toBe(true)
  })

  it('measures text by display width: CJK and emoji take two columns', () => {
    expect(displayWidth('中文')).toBe(4)
    expect(displayWidth('👍')).toBe(2)
    expect(padStartDisplay('中文', 6)).toBe('  中文')
    expect(padEndDisplay('👍x', 5)).toBe('👍x  ')
    expect(padStartDisplay('abc', 2)).toBe('abc')
  })
})
