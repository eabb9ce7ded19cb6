import type { LabRun } from '@protolab/lab'
import { describe, expect, it } from 'vitest'
import { runProtolab } from './helpers/processes.js'

const total = (run: LabRun): number =>
  Object.values(run.lostBy ?? {}).reduce((sum: number, count: number) => sum + count, 0)

describe('lab: loss attribution on the command line', () => {
  it('finds the datagrams a small receive buffer dropped in the kernel counts (--json, the table line)', async () => {
    // A 64 KiB buffer holds about 300 datagrams of 64 B; an unpaced sender overruns it whenever the
    // receiver falls behind, and whatever it drops the kernel counts.
    // Through the relay, whose drops are the impairment's count (the packet link's are its own JSON).
    const args = [
      'lab',
      '--link',
      'proxy',
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
    // Two whole CLI runs of 20,000 datagrams, each bounded by its own 60 s.
  }, 120_000)
})
