import type { LabInterval } from '@protolab/core'
import { describe, expect, it } from 'vitest'
import { ForwardIntervals } from '../src/remote/forward-intervals.js'
import { SentTally } from '../src/runner/intervals.js'

const MS = 1e6

function interval(index: number, delivered: number, lost: number, endMs = (index + 1) * 100): LabInterval {
  return {
    startMs: index * 100,
    endMs,
    sent: 0,
    delivered,
    lost,
    reordered: 0,
    bitsPerSec: 0,
    p50Ms: 1,
    p99Ms: 2,
  }
}

/** 100 ms intervals from 0; `perInterval[i]` messages sent in interval i. */
function tallyOf(perInterval: readonly number[]): SentTally {
  const tally = new SentTally(0, 100)
  for (const [index, count] of perInterval.entries())
    for (let i = 0; i < count; i++) tally.count(index * 100 * MS + i)
  return tally
}

describe("a forward flow's intervals on the sending client", () => {
  it('adds what was sent in each; the last takes what was sent and lost after the last arrival', async () => {
    const told: LabInterval[] = []
    const flow = new ForwardIntervals(tallyOf([10, 10, 10, 4]), undefined, (value) => told.push(value))
    flow.live(interval(0, 10, 0))
    flow.live(interval(1, 8, 2))
    // The server's half: every interval; the last one ends at the last arrival (the last 4 sent were lost).
    const all = await flow.complete(
      [interval(0, 10, 0), interval(1, 8, 2), interval(2, 10, 0, 250)],
      6,
      undefined,
    )
    expect(all).toEqual(told)
    expect(all.map((value) => value.sent)).toEqual([10, 10, 14])
    expect(all.map((value) => value.lost)).toEqual([0, 2, 4])
    expect(all.every((value) => value.retransmits === undefined)).toBe(true)
  })

  it('when every interval was told before the end, the last in the JSON still takes what came after it', async () => {
    const told: LabInterval[] = []
    const flow = new ForwardIntervals(tallyOf([10, 10, 3]), undefined, (value) => told.push(value))
    flow.live(interval(0, 10, 0))
    flow.live(interval(1, 9, 1))
    const all = await flow.complete([interval(0, 10, 0), interval(1, 9, 1)], 4, undefined)
    expect(told).toHaveLength(2)
    expect(all.map((value) => value.sent)).toEqual([10, 13])
    expect(all.map((value) => value.lost)).toEqual([0, 4])
  })
})
