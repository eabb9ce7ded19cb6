import type { LabInterval } from '@protolab/core'
import type { LabRun } from '@protolab/lab'
import { describe, expect, it } from 'vitest'
import { runProtolab } from './helpers/processes.js'

const sum = (intervals: readonly LabInterval[], field: 'sent' | 'delivered' | 'lost'): number =>
  intervals.reduce((total, interval) => total + interval[field], 0)

describe('lab --interval', () => {
  it('cuts a 5 s run into 5 (±1) intervals that add up to the run, in JSON and as printed lines', async () => {
    // The proxy link's relay (packet-link-numbers.integration.test.ts has the packet link's).
    const args = [
      'lab',
      '--link',
      'proxy',
      '-t',
      'udp',
      '--rate',
      '1000',
      '--duration',
      '5s',
      '--interval',
      '1s',
      '--loss',
      '5%',
    ]
    const json = await runProtolab([...args, '--seed', '3', '--json'], { timeoutMs: 60_000 })
    expect(json.code).toBe(0)
    const run = (JSON.parse(json.stdout) as { runs: LabRun[] }).runs[0]!
    const intervals = run.intervals ?? []
    expect(intervals.length).toBeGreaterThanOrEqual(4)
    expect(intervals.length).toBeLessThanOrEqual(6)
    expect(sum(intervals, 'sent')).toBe(run.sent)
    expect(sum(intervals, 'delivered')).toBe(run.delivered)
    // Nothing is reordered without --reorder: every loss shows as a gap or after the last arrival.
    expect(sum(intervals, 'lost')).toBe(run.lost)
    for (const [index, interval] of intervals.entries()) {
      expect(interval.startMs).toBe(index * 1000)
      expect(interval.endMs).toBeGreaterThan(interval.startMs)
      expect(interval.p50Ms).toBeLessThanOrEqual(interval.p99Ms)
      expect(interval.bitsPerSec).toBeGreaterThanOrEqual(0)
    }

    const table = await runProtolab(args, { timeoutMs: 60_000 })
    expect(table.code).toBe(0)
    const lines = table.stdout.split('\n')
    expect(lines[0]).toMatch(/^udp +interval s +sent +delivered +lost +reord +Mbit\/s +p50 ms +p99 ms$/)
    const intervalLines = lines.filter((line) => /^ +\d+\.\d-\d+\.\d /.test(line))
    expect(intervalLines.length).toBeGreaterThanOrEqual(4)
    expect(intervalLines.length).toBeLessThanOrEqual(6)
    for (const line of [lines[0] ?? '', ...intervalLines]) expect(line.length).toBeLessThanOrEqual(80)
  })
})
