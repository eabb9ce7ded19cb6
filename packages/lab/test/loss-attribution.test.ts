import { describe, expect, it } from 'vitest'
import { runLab } from '../src/runner/run.js'
import type { LabRun } from '../src/runner/types.js'

const total = (run: LabRun): number =>
  Object.values(run.lostBy ?? {}).reduce((sum: number, count: number) => sum + count, 0)

describe('loss attribution', () => {
  it('attributes every loss of an unpaced 10% run: the impairment exactly the relay drops, the rest to kernel counters', async () => {
    const report = await runLab({
      transports: ['udp'],
      count: 20_000,
      rate: 0,
      impairment: { loss: 0.1 },
      seed: 7,
    })
    const run = report.runs[0]!
    const relay = report.relays?.[0]
    expect(relay !== undefined && 'dropped' in relay.toServer).toBe(true)
    if (relay === undefined || !('dropped' in relay.toServer)) return
    expect(run.lost).toBeGreaterThan(0)
    expect(total(run)).toBe(run.lost)
    expect(run.lostBy?.impairment).toBe(relay.toServer.dropped)
    if (process.platform === 'linux') expect(run.lostBy?.unknown ?? 0).toBeLessThanOrEqual(run.lost * 0.01)
  })

  it('says nothing was lost when nothing was', async () => {
    const run = (await runLab({ transports: ['udp', 'tcp'], count: 500, rate: 5000 })).runs
    for (const r of run)
      expect(r.lostBy).toEqual({ impairment: 0, linkQueue: 0, receiverBuffer: 0, sender: 0, unknown: 0 })
  })
})
