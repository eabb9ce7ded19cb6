import { describe, expect, it } from 'vitest'
import { runLab } from '../src/lab/run.js'
import type { LabRun } from '../src/lab/types.js'
import { runProtolab } from './helpers/processes.js'

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

  it('finds the datagrams a small receive buffer dropped in the kernel counts (--json, the table line)', async () => {
    // A 64 KiB buffer holds about 300 datagrams of 64 B; an unpaced sender overruns it whenever the
    // receiver falls behind, and whatever it drops the kernel counts.
    const args = [
      'lab',
      '-t',
      'udp',
      '--count',
      '20000',
      '--loss',
      '10%',
      '--seed',
      '7',
      '--recv-buffer',
      '65536',
    ]
    const json = await runProtolab([...args, '--json'], { timeoutMs: 60_000 })
    expect(json.code).toBe(0)
    const run = (JSON.parse(json.stdout) as { runs: LabRun[] }).runs[0]!
    expect(total(run)).toBe(run.lost)
    expect(run.lostBy?.impairment).toBeGreaterThan(0)
    if (process.platform === 'linux') expect(run.lostBy?.unknown ?? 0).toBeLessThanOrEqual(run.lost * 0.01)

    const table = await runProtolab(args, { timeoutMs: 60_000 })
    expect(table.code).toBe(0)
    const line = table.stdout.split('\n').find((text) => /^lost [\d,]+ \(/.test(text))
    expect(line).toMatch(/^lost [\d,]+ \([\d.]+%\): [\d,]+ by the impairment/)
  })

  it('says nothing was lost when nothing was', async () => {
    const run = (await runLab({ transports: ['udp', 'tcp'], count: 500, rate: 5000 })).runs
    for (const r of run)
      expect(r.lostBy).toEqual({ impairment: 0, linkQueue: 0, receiverBuffer: 0, sender: 0, unknown: 0 })
  })
})
