import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { LabInterval } from '@protolab/core'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeHtml } from '../src/report/html.js'
import { runLab } from '../src/runner/run.js'
import { chromiumMissing, launchChromium } from './helpers/chromium.js'
import { syntheticCounts, syntheticRun, syntheticTrace } from './report-fixtures.js'

const missing = chromiumMissing('report-html')

/** What the page shows, read in the browser. */
interface PageFacts {
  readonly title: string
  readonly runs: number
  readonly scatter: { transport: string; status: string; declared: number; drawn: number; width: number }[]
  readonly cdfSamples: number[]
  readonly requests: number
}

/** Runs in the page (a string, since this package's types have no DOM): what the report shows. */
const READ_PAGE = `(() => {
  const data = JSON.parse(document.getElementById('protolab-report')?.textContent ?? '{}')
  const scatter = [...document.querySelectorAll('svg.scatter path.dots')].map((path) => ({
    transport: path.closest('svg')?.getAttribute('data-transport') ?? '',
    status: path.getAttribute('data-status') ?? '',
    declared: Number(path.getAttribute('data-points')),
    drawn: (path.getAttribute('d')?.match(/M/g) ?? []).length,
    width: path.closest('svg')?.getBoundingClientRect().width ?? 0,
  }))
  const cdfSamples = [...document.querySelectorAll('svg.cdf')].map((svg) => Number(svg.getAttribute('data-samples')))
  return { title: document.title, runs: data.runs.length, scatter, cdfSamples }
})()`

describe.skipIf(missing !== undefined)('the HTML report in headless Chromium', () => {
  let browser: Browser
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'protolab-html-'))
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  async function open(file: string): Promise<PageFacts> {
    const page = await browser.newPage()
    let requests = 0
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests++
    })
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
    const facts = (await page.evaluate(READ_PAGE)) as Omit<PageFacts, 'requests'>
    await page.close()
    return { ...facts, requests }
  }

  it('opens with no network and its plots hold every message', async () => {
    const file = join(dir, 'small.html')
    const count = 2000
    await writeHtml(file, {
      runs: [syntheticRun('udp', { sent: count }), syntheticRun('tcp', { sent: count })],
      traces: [syntheticTrace('udp', count), syntheticTrace('tcp', count)],
    })
    const facts = await open(file)
    expect(facts.title).toBe('protolab lab report')
    expect(facts.runs).toBe(2)
    expect(facts.requests).toBe(0)
    const counts = syntheticCounts(count)
    for (const transport of ['udp', 'tcp']) {
      const series = facts.scatter.filter((s) => s.transport === transport)
      expect(Object.fromEntries(series.map((s) => [s.status, s.drawn]))).toEqual(counts)
      for (const s of series) {
        expect(s.drawn).toBe(s.declared)
        expect(s.width).toBeGreaterThan(100)
      }
    }
    expect(facts.cdfSamples).toEqual([count - counts.lost, count - counts.lost])
  })

  it("marks the kernel's retransmissions in time: a bar per interval that had some, the cwnd at each interval's end", async () => {
    const file = join(dir, 'retransmits.html')
    const count = 2000
    const interval = (index: number, retransmits: number, cwnd: number): LabInterval => ({
      startMs: index * 500,
      endMs: (index + 1) * 500,
      sent: 500,
      delivered: 500,
      lost: 0,
      reordered: 0,
      bitsPerSec: 256_000,
      p50Ms: 10,
      p99Ms: 20,
      retransmits,
      cwnd,
    })
    const intervals = [interval(0, 4, 10), interval(1, 0, 14), interval(2, 7, 6), interval(3, 1, 9)]
    await writeHtml(file, {
      runs: [syntheticRun('tcp', { sent: count, lost: 0, retransmits: 12, cwnd: 9, intervals })],
      traces: [syntheticTrace('tcp', count)],
    })
    const page = await browser.newPage()
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
    const plot = (await page.evaluate(`(() => {
      const svg = document.querySelector('svg.retransmits')
      const bars = svg?.querySelector('path.bars.retransmits')?.getAttribute('d') ?? ''
      const cwnd = svg?.querySelector('path.cwnd')?.getAttribute('d') ?? ''
      return {
        declared: Number(svg?.getAttribute('data-points') ?? -1),
        bars: (bars.match(/M/g) ?? []).length,
        cwnd: (cwnd.match(/M/g) ?? []).length,
        width: svg?.getBoundingClientRect().width ?? 0,
        caption: svg?.closest('figure')?.textContent ?? '',
        data: JSON.parse(document.getElementById('protolab-report')?.textContent ?? '{}').plots[0].overTime,
      }
    })()`)) as {
      declared: number
      bars: number
      cwnd: number
      width: number
      caption: string
      data: Record<string, number>
    }
    await page.close()
    // Three intervals retransmitted (4, 7, 1): three bars; the cwnd of all four.
    expect(plot).toMatchObject({ declared: 3, bars: 3, cwnd: 4 })
    expect(plot.width).toBeGreaterThan(100)
    expect(plot.caption).toContain('12 in all')
    expect(plot.data.retransmits).toBe(3)
  })

  it('holds the points of a real run: every message sent, lost ones where they were lost', async () => {
    const report = await runLab({
      transports: ['udp', 'tcp'],
      count: 3000,
      rate: 10_000,
      seed: 9,
      impairment: { loss: 0.05, reorder: 0.02, delayMs: 2, jitterMs: 1 },
      trace: true,
    })
    const file = join(dir, 'run.html')
    await writeHtml(file, report)
    const facts = await open(file)
    expect(facts.requests).toBe(0)
    for (const run of report.runs) {
      const series = facts.scatter.filter((s) => s.transport === run.transport)
      const drawn = Object.fromEntries(series.map((s) => [s.status, s.drawn]))
      expect(series.reduce((sum, s) => sum + s.drawn, 0)).toBe(run.sent)
      expect(drawn.lost).toBe(run.lost)
    }
    expect(facts.cdfSamples).toEqual(report.runs.map((run) => run.delivered))
  })

  it('keeps a 1,000,000-message report to the documented number of points', async () => {
    const file = join(dir, 'large.html')
    await writeHtml(file, {
      runs: [syntheticRun('udp', { sent: 1_000_000 })],
      traces: [syntheticTrace('udp', 1_000_000)],
    })
    const facts = await open(file)
    const drawn = facts.scatter.reduce((sum, s) => sum + s.drawn, 0)
    expect(drawn).toBeLessThanOrEqual(20_000)
    expect(drawn).toBeGreaterThan(10_000)
  })
})
