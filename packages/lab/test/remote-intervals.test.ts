import type { LabInterval } from '@protolab/core'
import { afterEach, describe, expect, it } from 'vitest'
import { runRemoteLab } from '../src/remote/client.js'
import { LabServer } from '../src/remote/server.js'

let server: LabServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

async function startServer(log: string[]): Promise<LabServer> {
  server = await LabServer.start({
    bind: { host: '127.0.0.1', port: 0 },
    maxConnections: 2,
    idleTimeoutMs: 0,
    log: (line) => log.push(line),
  })
  return server
}

describe('lab run / lab serve --interval', () => {
  it('the server logs its counting side per interval; the client gets them with what it sent in each', async () => {
    const log: string[] = []
    const { address, port } = (await startServer(log)).address
    const seen: LabInterval[] = []
    const report = await runRemoteLab(
      { server: { address, port }, transports: ['udp'], count: 2000, rate: 4000, intervalMs: 100 },
      {
        onInterval: (_, interval, direction) => {
          expect(direction).toBe('forward')
          seen.push(interval)
        },
      },
    )
    const run = report.runs[0]!
    const lines = log.filter((line) => / flow 0: +\d+\.\d-\d+\.\d /.test(line))
    expect(lines.length).toBeGreaterThanOrEqual(1)
    // Each line: the interval, '-' for sent (the sender's to know), then what arrived in it.
    const delivered = lines.reduce(
      (sum, line) => sum + Number(line.split(/\s+/).at(-6)?.replace(/,/g, '')),
      0,
    )
    expect(delivered).toBe(run.delivered)
    // The client tells every interval the server counted, with what it sent in each.
    expect(run.intervals).toEqual(seen)
    expect(seen).toHaveLength(lines.length)
    const sum = (pick: (interval: LabInterval) => number): number =>
      seen.reduce((total, interval) => total + pick(interval), 0)
    expect(sum((interval) => interval.delivered)).toBe(run.delivered)
    expect(sum((interval) => interval.sent)).toBe(run.sent)
    expect(sum((interval) => interval.lost)).toBe(run.lost)
    // UDP: no kernel retransmissions to read.
    expect(seen.every((interval) => interval.retransmits === undefined)).toBe(true)
  })

  it("a forward TCP flow's intervals carry the sender's kernel retransmits and cwnd, adding up to the run's", async () => {
    const log: string[] = []
    const { address, port } = (await startServer(log)).address
    const seen: LabInterval[] = []
    const report = await runRemoteLab(
      { server: { address, port }, transports: ['tcp'], count: 1500, rate: 5000, intervalMs: 100 },
      { onInterval: (_, interval) => seen.push(interval) },
    )
    const run = report.runs[0]!
    expect(run.intervals).toEqual(seen)
    expect(seen.length).toBeGreaterThanOrEqual(2)
    expect(seen.reduce((sum, interval) => sum + interval.sent, 0)).toBe(run.sent)
    expect(seen.reduce((sum, interval) => sum + interval.delivered, 0)).toBe(run.delivered)
    // ss reads the connection once per interval (and at the end): every interval has the numbers.
    expect(run.retransmits).toBeTypeOf('number')
    for (const interval of seen) {
      expect(interval.retransmits).toBeTypeOf('number')
      expect(interval.cwnd).toBeGreaterThan(0)
    }
    expect(seen.reduce((sum, interval) => sum + (interval.retransmits ?? 0), 0)).toBe(run.retransmits)
    expect(seen.at(-1)?.cwnd).toBe(run.cwnd)
  })

  it('the client counts a reverse flow per interval: printed as they close, and in the run', async () => {
    const log: string[] = []
    const { address, port } = (await startServer(log)).address
    const seen: LabInterval[] = []
    const report = await runRemoteLab(
      {
        server: { address, port },
        transports: ['udp'],
        direction: 'reverse',
        count: 2000,
        rate: 4000,
        intervalMs: 100,
      },
      {
        onInterval: (transport, interval) => {
          expect(transport).toBe('udp')
          seen.push(interval)
        },
      },
    )
    const run = report.runs[0]!
    expect(seen.length).toBeGreaterThanOrEqual(1)
    expect(run.intervals).toEqual(seen)
    expect(seen.reduce((sum, interval) => sum + interval.delivered, 0)).toBe(run.delivered)
    for (const [index, interval] of seen.entries()) {
      expect(interval.startMs).toBe(index * 100)
      expect(interval.p50Ms).toBeLessThanOrEqual(interval.p99Ms)
    }
  })
})
