import type { LabInterval } from '@protolab/core'
import { type LabRun, packetLinkSupport } from '@protolab/lab'
import { describe, expect, it } from 'vitest'
import { runProtolab } from './helpers/processes.js'

/**
 * `protolab lab` over the packet link, as a user types it: intervals printed while the run goes
 * and in the JSON, and every lost message attributed. Skipped, saying why, where the packet link
 * cannot run (it needs Linux, ethtool, iproute2, VXLAN, and root or unprivileged user namespaces).
 */
const support = packetLinkSupport()
if (support.problem !== undefined)
  console.warn(`skipping the packet link number tests: ${support.problem.message}`)
const canRun = support.problem === undefined

const total = (intervals: readonly LabInterval[], pick: (interval: LabInterval) => number): number =>
  intervals.reduce((sum, interval) => sum + pick(interval), 0)

describe.skipIf(!canRun)('lab over the packet link: the numbers', { timeout: 120_000 }, () => {
  it('--loss 10% --seed 7 --json: lostBy.impairment is the link forward loss, and lostBy adds up to lost', async () => {
    const args = ['lab', '--link', 'packet', '-t', 'udp', '--count', '3000', '--rate', '2000']
    const result = await runProtolab([...args, '--loss', '10%', '--seed', '7', '--json'], {
      timeoutMs: 90_000,
    })
    expect(result.code).toBe(0)
    const run = (JSON.parse(result.stdout) as { runs: LabRun[] }).runs[0]!
    const lostBy = run.lostBy!
    expect(run.packetLink?.forward.lost).toBeGreaterThan(0)
    expect(lostBy.impairment).toBe(run.packetLink?.forward.lost)
    expect(
      lostBy.impairment + lostBy.linkQueue + lostBy.receiverBuffer + lostBy.sender + lostBy.unknown,
    ).toBe(run.lost)
  })

  it('--interval 1s on link auto: the packet link prints a line per interval, TCP intervals carry retransmits and cwnd', async () => {
    // link auto (the default) takes the packet link where it can run, intervals or not.
    const args = ['lab', '-t', 'tcp', '--count', '2000', '--rate', '1000', '--loss', '2%', '--interval', '1s']
    const json = await runProtolab([...args, '--seed', '5', '--json'], { timeoutMs: 90_000 })
    expect(json.code).toBe(0)
    const run = (JSON.parse(json.stdout) as { runs: LabRun[] }).runs[0]!
    expect(run.link).toBe('packet')
    const intervals = run.intervals ?? []
    expect(intervals.length).toBeGreaterThanOrEqual(Math.max(1, Math.floor(run.durationMs / 1000)))
    expect(intervals.length).toBeLessThanOrEqual(Math.ceil(run.durationMs / 1000) + 1)
    expect(total(intervals, (interval) => interval.sent)).toBe(run.sent)
    expect(total(intervals, (interval) => interval.delivered)).toBe(run.delivered)
    // Read as each interval's line arrived (intervals that closed together at the end share the last read).
    expect(intervals.at(-1)?.retransmits).toBeGreaterThanOrEqual(0)
    for (const interval of intervals) {
      if (interval.retransmits !== undefined) expect(interval.cwnd).toBeGreaterThan(0)
    }
    expect(total(intervals, (interval) => interval.retransmits ?? 0)).toBe(run.retransmits)

    const table = await runProtolab(args, { timeoutMs: 90_000 })
    expect(table.code).toBe(0)
    const lines = table.stdout.split('\n')
    expect(lines[0]).toMatch(/^tcp +interval s +sent +delivered +lost +reord +Mbit\/s +p50 ms +p99 ms$/)
    const intervalLines = lines.filter((line) => /^ +\d+\.\d-\d+\.\d /.test(line))
    expect(intervalLines.length).toBeGreaterThanOrEqual(1)
    // The sender knows what it sent in each interval: a number, not '-'.
    for (const line of intervalLines) expect(line.trim().split(/\s+/)[1]).toMatch(/^[\d,]+$/)
    expect(table.stderr).toMatch(/over the packet link/)
  })
})
