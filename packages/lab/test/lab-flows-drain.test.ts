import { describe, expect, it } from 'vitest'
import { drainFlows } from '../src/runner/flows/drain-flow.js'
import type { CounterStatus } from '../src/runner/roles/counter.js'

const status = (delivered: number): CounterStatus => ({ delivered, arrivals: delivered, quietMs: 0 })
const plan = {
  quietMs: 40,
  inFlightQuietMs: 5000,
  settleMs: 0,
  signal: new AbortController().signal,
}

describe('drainFlows', () => {
  it('ends as soon as every flow delivered all it sent', async () => {
    const result = await drainFlows(() => [status(3), status(5)], {
      ...plan,
      sent: [3, 5],
      lossless: [true, true],
    })
    expect(result.map((flow) => flow.delivered)).toEqual([3, 5])
  })

  it('ends after the quiet time when a flow that can lose misses messages', async () => {
    const result = await drainFlows(() => [status(3), status(4)], {
      ...plan,
      sent: [3, 5],
      lossless: [true, false],
    })
    expect(result.map((flow) => flow.delivered)).toEqual([3, 4])
  })

  it('waits past the quiet time while a flow that cannot lose still misses messages', async () => {
    // Nothing moves for 20 polls (up to 800 ms of quiet, far beyond 40 ms), then the rest arrives.
    let polls = 0
    const result = await drainFlows(() => [status(++polls > 20 ? 10 : 5)], {
      ...plan,
      sent: [10],
      lossless: [true],
    })
    expect(result[0]!.delivered).toBe(10)
    expect(polls).toBe(21)
  })

  it('rejects when aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(
      drainFlows(() => [status(0)], { ...plan, sent: [1], lossless: [true], signal: controller.signal }),
    ).rejects.toThrow()
  })
})
