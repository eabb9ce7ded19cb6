import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CSV_HEADER, csvChunks, writeCsv } from '../src/report/csv.js'
import { describeImpairment } from '../src/report/format.js'
import { renderHtml } from '../src/report/html.js'
import { renderJson } from '../src/report/json.js'
import { niceTicks } from '../src/report/plot/axes.js'
import { planSample } from '../src/report/plot/sample.js'
import { scatterPlot } from '../src/report/plot/scatter.js'
import { renderTable } from '../src/report/table.js'
import type { LabRun } from '../src/runner/types.js'
import { syntheticCounts, syntheticRun, syntheticTrace } from './report-fixtures.js'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

describe('renderTable', () => {
  it('puts udp and tcp side by side with every row aligned', () => {
    const text = renderTable([syntheticRun('udp'), syntheticRun('tcp', { lost: 0, delivered: 1000 })])
    const lines = text.trimEnd().split('\n')
    const header = lines[0] ?? ''
    expect(header).toMatch(/udp\s+tcp$/)
    const tableLines = lines.slice(0, lines.indexOf(''))
    const widths = new Set(tableLines.map((line) => line.length))
    expect(widths.size).toBe(1)
    expect(text).toMatch(/^lost\s+50 \(5\.00%\)\s+0 \(0\.00%\)$/m)
    expect(text).toContain('udp: impairment loss 5%, reorder 2% (gap 3), delay 10±5 ms, seed 1')
    expect(text).toContain('tcp: impairment delay 10±5 ms, slice 1 B, seed 1')
  })

  it('has no colour codes unless asked, and aligns with them', () => {
    const run = syntheticRun('udp')
    expect(renderTable([run])).not.toContain('\x1b[')
    const colored = renderTable([run], { color: true })
    expect(colored).toContain('\x1b[')
    expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).toBe(renderTable([run]))
  })

  it('shows the receive buffer in blast mode and the modelling note', () => {
    const text = renderTable([
      syntheticRun('udp', { recvBufferBytes: 212_992, impairment: null }),
      syntheticRun('tcp', { modelled: 'loss is modelled as head-of-line stalls' }),
    ])
    expect(text).toMatch(/^receive buffer\s+208 KiB\s+-$/m)
    expect(text).toContain('tcp: loss is modelled as head-of-line stalls')
    expect(text).toContain('udp: impairment none, seed 1')
  })

  it("renders a kernel link's runs: real loss, no seed, TCP's kernel numbers, the link's notes", () => {
    const kernelRun = (transport: 'udp' | 'tcp', overrides: Partial<LabRun> = {}): LabRun =>
      syntheticRun(transport, {
        impairment: { loss: 0.1, delayMs: 10 },
        link: 'kernel',
        direction: 'forward',
        ...overrides,
      })
    const text = renderTable(
      [kernelRun('udp'), kernelRun('tcp', { lost: 0, retransmits: 31, rttMs: 21.5, cwnd: 7 })],
      { notes: ['kernel link: plab-1-0-a ⇄ plab-1-0-b'], lossTool: 'nftables' },
    )
    expect(text).toContain('udp: impairment kernel loss 10% by nftables, delay 10 ms\n')
    expect(text).toContain('tcp: impairment kernel loss 10% by nftables, real retransmissions, delay 10 ms\n')
    expect(text).not.toContain('(modelled')
    expect(text).toContain('kernel link: plab-1-0-a ⇄ plab-1-0-b')
    expect(text).toMatch(/^tcp retransmits\s+-\s+31$/m)
    expect(text).toMatch(/^tcp smoothed rtt\s+-\s+21\.50 ms$/m)
    expect(text).toMatch(/^tcp cwnd\s+-\s+7 segments$/m)
    // One direction: no arrows.
    expect(text.split('\n')[0]).toMatch(/udp\s+tcp$/)
  })
})

describe('renderJson', () => {
  it('is always { runs: [...] } with no per-message data', () => {
    const runs = [syntheticRun('udp')]
    const parsed = JSON.parse(renderJson({ runs, traces: [syntheticTrace('udp', 100)] } as never))
    expect(Object.keys(parsed)).toEqual(['runs'])
    expect(parsed.runs).toEqual(runs)
  })
})

describe('describeImpairment', () => {
  it('uses the datagram words for udp and the stream words for tcp', () => {
    expect(describeImpairment({ transport: 'udp', impairment: null })).toBe('none')
    expect(
      describeImpairment({
        transport: 'udp',
        impairment: { loss: 0.1, lossModel: 'gilbert', duplicate: 0.01, corrupt: 0.001 },
      }),
    ).toBe('loss 10% (gilbert, mean burst 4), duplicate 1%, corrupt 0.1%')
    expect(describeImpairment({ transport: 'tcp', impairment: { sliceBytes: 1, loss: 0.01 } })).toMatch(
      /^slice 1 B, loss 1% \(modelled/,
    )
  })

  it('says the kernel link loses packets for real, and by which tool when told', () => {
    const impairment = { loss: 0.05, rateLimitBytesPerSec: 1_250_000 }
    expect(describeImpairment({ transport: 'tcp', impairment, link: 'kernel' }, 'nftables')).toBe(
      'kernel loss 5% by nftables, real retransmissions, rate 10 Mbit/s',
    )
    expect(describeImpairment({ transport: 'udp', impairment, link: 'kernel' }, 'iptables')).toBe(
      'kernel loss 5% by iptables, rate 10 Mbit/s',
    )
    expect(describeImpairment({ transport: 'tcp', impairment: { loss: 0.05 }, link: 'kernel' })).toBe(
      'kernel loss 5% by nftables or iptables, real retransmissions',
    )
    expect(describeImpairment({ transport: 'tcp', impairment: { delayMs: 5 }, link: 'kernel' })).toBe(
      'delay 5 ms',
    )
  })
})

describe('csv', () => {
  it('has one row per message with its status and copies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protolab-csv-'))
    dirs.push(dir)
    const file = join(dir, 'log.csv')
    await writeCsv(file, [syntheticTrace('udp', 10_000), syntheticTrace('tcp', 3)])
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n')
    expect(lines[0]).toBe(CSV_HEADER)
    expect(lines).toHaveLength(1 + 10_000 + 3)
    expect(lines[1]).toBe('udp,0,0.000,10.000,1,delivered')
    expect(lines[20]).toBe('udp,19,19.000,,0,lost')
    expect(lines[37]).toBe('udp,36,36.000,47.500,1,reordered')
    expect(lines[50]).toBe('udp,49,49.000,59.000,2,duplicated')
    expect(lines.at(-1)).toBe('tcp,2,2.000,12.000,1,delivered')
    const counts = syntheticCounts(10_000)
    expect(lines.filter((line) => line.startsWith('udp,') && line.endsWith(',lost'))).toHaveLength(
      counts.lost,
    )
  })

  it('comes in bounded chunks', () => {
    let longest = 0
    for (const chunk of csvChunks([syntheticTrace('udp', 50_000)])) longest = Math.max(longest, chunk.length)
    expect(longest).toBeLessThan(4096 * 64)
  })
})

describe('plots', () => {
  it('draws every message of a small run, one series per status', () => {
    const plot = scatterPlot(syntheticTrace('udp', 1000))
    const counts = syntheticCounts(1000)
    expect(plot.points).toEqual(counts)
    expect(plot.sample.downsampled).toBe(false)
    for (const [status, count] of Object.entries(counts)) {
      const path = plot.svg.match(new RegExp(`data-status="${status}" data-points="(\\d+)" d="([^"]*)"`))
      expect(Number(path?.[1])).toBe(count)
      expect(path?.[2]?.match(/M/g)?.length ?? 0).toBe(count)
    }
  })

  it('downsamples a large run to the limit and keeps the anomalies', () => {
    const trace = syntheticTrace('udp', 1_000_000)
    const sample = planSample(trace)
    expect(sample.downsampled).toBe(true)
    const plot = scatterPlot(trace)
    const drawn = Object.values(plot.points).reduce((a, b) => a + b, 0)
    expect(drawn).toBeLessThanOrEqual(20_000)
    expect(drawn).toBeGreaterThan(15_000)
    expect(plot.points.lost).toBeGreaterThan(1000)
    expect(plot.points.reordered).toBeGreaterThan(1000)
  })

  it('picks round tick values', () => {
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000])
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(niceTicks(5, 5)).toEqual([5])
  })
})

describe('renderHtml', () => {
  it('is self-contained: no external resource and no executable script', () => {
    const html = renderHtml({
      runs: [syntheticRun('udp'), syntheticRun('tcp')],
      traces: [syntheticTrace('udp', 500), syntheticTrace('tcp', 500)],
    })
    expect(html).not.toMatch(/\b(src|href)=/)
    expect(html).not.toMatch(/https?:\/\//)
    expect(html.match(/<script/g)).toHaveLength(1)
    expect(html).toContain('<script type="application/json" id="protolab-report">')
    expect(html.match(/<svg class="plot scatter"/g)).toHaveLength(2)
    expect(html.match(/<svg class="plot cdf"/g)).toHaveLength(2)
  })

  it('cannot be broken out of by text in the data', () => {
    const html = renderHtml(
      { runs: [syntheticRun('udp')], traces: [syntheticTrace('udp', 10)] },
      { command: 'protolab lab </script><script>alert(1)</script>' },
    )
    expect(html.match(/<script/g)).toHaveLength(1)
  })

  it("shows a kernel link's notes and TCP numbers, and marks both-ways runs as the table does", () => {
    const run = (direction: 'forward' | 'reverse'): LabRun =>
      syntheticRun('tcp', {
        impairment: { loss: 0.1 },
        link: 'kernel',
        direction,
        retransmits: 12,
        rttMs: 3,
        cwnd: 10,
      })
    const html = renderHtml(
      { runs: [run('forward'), run('reverse')], traces: [] },
      { notes: ['kernel link: plab-1-0-a ⇄ plab-1-0-b'], lossTool: 'nftables' },
    )
    expect(html).toContain('<th>tcp →</th><th>tcp ←</th>')
    expect(html).toMatch(/<tr><th>tcp retransmits<\/th><td class="num bad">12<\/td>/)
    expect(html).toContain('<li class="plain">kernel link: plab-1-0-a ⇄ plab-1-0-b</li>')
    expect(html).toContain('tcp →: impairment kernel loss 10% by nftables, real retransmissions</li>')
    expect(html).not.toContain('(modelled')
  })
})
