import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeHtml } from '../src/report/html.js'
import { runLab } from '../src/runner/run.js'
import type { LabTransportName } from '../src/runner/types.js'
import { chromiumMissing, launchChromium } from './helpers/chromium.js'
import { syntheticRun, syntheticTrace } from './report-fixtures.js'

const missing = chromiumMissing('report-three-transports')

/** One plot of the page, read in the browser. */
interface PlotFacts {
  readonly kind: string
  readonly transport: string
  /** Points with data the plot declares (data-points or data-samples). */
  readonly declared: number
  /** Drawing commands in its data paths. */
  readonly drawn: number
  readonly width: number
}

/** Runs in the page (a string: this package's types have no DOM). */
const READ_PLOTS = `(() => [...document.querySelectorAll('svg.plot')].map((svg) => ({
  kind: svg.getAttribute('class') ?? '',
  transport: svg.getAttribute('data-transport') ?? '',
  declared: Number(svg.getAttribute('data-points') ?? svg.getAttribute('data-samples') ?? -1),
  drawn: [...svg.querySelectorAll('path')].reduce((sum, path) => sum + ((path.getAttribute('d') ?? '').match(/[MLHV]/g) ?? []).length, 0),
  width: svg.getBoundingClientRect().width,
})))()`

describe.skipIf(missing !== undefined)('the HTML report of three transports, in headless Chromium', () => {
  let browser: Browser
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'protolab-html3-'))
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('draws data in every plot, on one time scale, with a header that says what made it', async () => {
    // Two real runs, and a third transport's run object (the lab has two transports today).
    const real = await runLab({
      transports: ['udp', 'tcp'],
      count: 3000,
      rate: 10_000,
      seed: 9,
      impairment: { loss: 0.05, delayMs: 2, jitterMs: 1 },
      trace: true,
    })
    const third = 'kcp' as LabTransportName
    const file = join(dir, 'three.html')
    await writeHtml(file, {
      runs: [...real.runs, syntheticRun(third, { sent: 3000 })],
      traces: [...real.traces, syntheticTrace(third, 3000)],
    })
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    let requests = 0
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests++
    })
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
    const plots = (await page.evaluate(READ_PLOTS)) as PlotFacts[]
    const header = (await page.locator('dl.env').textContent()) ?? ''
    const screenshot = join(dir, 'three.png')
    await page.screenshot({ path: screenshot, fullPage: true })
    await page.close()

    expect(requests).toBe(0)
    expect((await stat(screenshot)).size).toBeGreaterThan(10_000)
    for (const transport of ['udp', 'tcp', 'kcp']) {
      const kinds = plots.filter((plot) => plot.transport === transport).map((plot) => plot.kind)
      for (const kind of ['scatter', 'throughput', 'latency-over-time', 'cdf', 'ccdf']) {
        expect(kinds.some((k) => k.split(' ').includes(kind))).toBe(true)
      }
    }
    // Lost messages get a plot wherever a run lost some: the udp run and the third.
    expect(plots.filter((plot) => plot.kind.includes('losses')).length).toBeGreaterThanOrEqual(2)
    for (const plot of plots) {
      expect(plot.declared, `${plot.kind} of ${plot.transport}`).toBeGreaterThan(0)
      expect(plot.drawn, `${plot.kind} of ${plot.transport}`).toBeGreaterThan(0)
      expect(plot.width).toBeGreaterThan(100)
    }
    for (const field of ['command', 'protolab', 'host', 'OS', 'kernel', 'link', 'seed']) {
      expect(header).toContain(field)
    }
  })
})
