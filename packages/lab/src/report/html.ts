import { writeFile } from 'node:fs/promises'
import type { LabReport, LabRun, LabTrace } from '../runner/types.js'
import { columnLabels } from './format.js'
import { type ReportNotesOptions, reportNotes } from './notes.js'
import { escapeXml } from './plot/axes.js'
import { ccdfPlot } from './plot/ccdf.js'
import { cdfPlot } from './plot/cdf.js'
import { latencyOverTimePlot, lossPlot, sharedEndMs, throughputPlot, timeSeries } from './plot/over-time.js'
import { retransmitsPlot } from './plot/retransmits.js'
import { MAX_PLOT_POINTS } from './plot/sample.js'
import { SCATTER_SERIES, scatterPlot } from './plot/scatter.js'
import { environmentHtml, type ReportEnvironment, thisEnvironment } from './report-header.js'
import { tableRows } from './rows.js'

/** Options of {@link renderHtml}; `notes` and `lossTool` as for the terminal table. */
export interface RenderHtmlOptions extends ReportNotesOptions {
  /** The command line that produced the report, shown under the title. */
  readonly command?: string
  /** When the report was made; defaults to now. */
  readonly generatedAt?: Date
  /** Most points per plot before downsampling (default {@link MAX_PLOT_POINTS}). */
  readonly maxPlotPoints?: number
  /** Where and by what the report was made, shown in its header. */
  readonly environment?: ReportEnvironment
}

/** What the report's inline JSON (`<script type="application/json" id="protolab-report">`) holds. */
export interface HtmlReportData {
  readonly runs: readonly LabRun[]
  /** Per run: the points each scatter series draws, whether it was downsampled, and the CDF's sample count. */
  readonly plots: readonly {
    readonly transport: string
    readonly points: Readonly<Record<string, number>>
    readonly downsampled: boolean
    readonly cdfSamples: number
    /** Points with data in each plot over time, and in the CCDF. */
    readonly overTime: Readonly<Record<string, number>>
  }[]
  /** The end of the time axis every run shares, ms since each run's first send. */
  readonly sharedEndMs: number
}

const COLORS = { delivered: '#2563eb', duplicated: '#9333ea', reordered: '#ea580c', lost: '#dc2626' } as const

const STYLE = `
:root{color-scheme:light;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;background:#f8fafc}
body{margin:0 auto;max-width:1240px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:0 0 8px}
.meta{color:#6b7280;margin:0 0 16px}.meta code{color:#374151}
table{border-collapse:collapse;background:#fff;border:1px solid #e5e7eb;margin:0 0 8px}
th,td{padding:4px 14px;border-bottom:1px solid #f1f5f9}th{text-align:left;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.bad{color:#b45309;font-weight:600}
thead th{background:#f1f5f9;text-align:right}thead th:first-child{text-align:left}
.notes{margin:0 0 20px;color:#374151}.notes li{margin:2px 0}.notes .modelled{color:#0e7490}.notes .interrupted{color:#b45309}
.runs{display:grid;gap:20px;grid-template-columns:repeat(auto-fit,minmax(520px,1fr))}
.run{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px}
figure{margin:0 0 12px}figcaption{color:#4b5563;font-size:13px}
svg.plot{width:100%;height:auto;display:block}
.grid{stroke:#eef2f7;stroke-width:1}.frame{fill:none;stroke:#9ca3af}
.tick{font-size:11px;fill:#6b7280}.title{font-size:12px;fill:#374151}
.dots{fill:none;stroke-linecap:round;stroke-width:3}
.dots.delivered{stroke:${COLORS.delivered};stroke-width:2.2;opacity:.75}.dots.duplicated{stroke:${COLORS.duplicated}}
.dots.reordered{stroke:${COLORS.reordered};stroke-width:3.5}.dots.lost{stroke:${COLORS.lost};stroke-width:2.5;opacity:.8}
.curve{fill:none;stroke:#0f766e;stroke-width:2}
.line{fill:none;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}.line.mbits{stroke:${COLORS.delivered}}
.line.p50{stroke:#0f766e}.line.p99{stroke:#b45309}.bars.lost{fill:${COLORS.lost};opacity:.8}
.bars.retransmits{fill:#7c3aed;opacity:.75}.dots.cwnd{stroke:#0f766e;stroke-width:4}
.pair{display:grid;gap:12px;grid-template-columns:1fr 1fr}
.env{color:#374151;margin:0 0 16px;font-size:13px}.env dt{font-weight:600;float:left;clear:left;width:110px}.env dd{margin:0 0 2px 110px}
.legend{display:inline-flex;align-items:center;margin-right:12px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px}
`

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

function tableHtml(runs: readonly LabRun[]): string {
  const head = `<thead><tr><th></th>${columnLabels(runs)
    .map((label) => `<th>${escapeXml(label)}</th>`)
    .join('')}</tr></thead>`
  const body = tableRows(runs, { allStatistics: true })
    .map(
      (row) =>
        `<tr><th>${escapeXml(row.label)}</th>${row.cells
          .map((cell) => `<td class="num${cell.bad ? ' bad' : ''}">${escapeXml(cell.text)}</td>`)
          .join('')}</tr>`,
    )
    .join('')
  return `<table class="results">${head}<tbody>${body}</tbody></table>`
}

function notesHtml(runs: readonly LabRun[], options: ReportNotesOptions): string {
  const items = reportNotes(runs, options).map(
    (note) => `<li class="${note.tone}">${escapeXml(note.text)}</li>`,
  )
  return `<ul class="notes">${items.join('')}</ul>`
}

function legendHtml(points: Readonly<Record<string, number>>): string {
  // A series with nothing in it gets no legend entry.
  return SCATTER_SERIES.filter(({ status }) => (points[status] ?? 0) > 0)
    .map(
      ({ status, legend }) =>
        `<span class="legend"><span class="swatch" style="background:${COLORS[status]}"></span>${legend} (${points[status] ?? 0})</span>`,
    )
    .join('')
}

/**
 * One self-contained HTML report of any lab run (local, kernel link or remote): inline CSS, inline
 * SVG plots and the run data as inline JSON; no script runs and nothing is fetched, so it opens
 * anywhere with no network. Per run: the sequence-vs-arrival plot (downsampled past
 * `maxPlotPoints`), the latency CDF, and above them the same table and notes as the terminal's.
 */
export function renderHtml(
  report: Pick<LabReport, 'runs' | 'traces'>,
  options: RenderHtmlOptions = {},
): string {
  const generatedAt = options.generatedAt ?? new Date()
  const labels = columnLabels(report.runs)
  const plots: HtmlReportData['plots'][number][] = []
  // Every run on one time scale, so transports compare at a glance.
  const endMs = sharedEndMs(report.traces)
  const sections = report.runs.map((run, index) => {
    const trace: LabTrace | undefined = report.traces[index]
    const title = `<h2>${escapeXml(labels[index] ?? run.transport)}</h2>`
    if (trace === undefined) {
      plots.push({ transport: run.transport, points: {}, downsampled: false, cdfSamples: 0, overTime: {} })
      return `<article class="run" data-transport="${run.transport}">${title}<p>No per-message data was kept for this run.</p></article>`
    }
    const scatter = scatterPlot(trace, options.maxPlotPoints ?? MAX_PLOT_POINTS, endMs)
    const latencyTitle = run.mode === 'rtt' ? 'round trip' : 'one-way latency'
    const cdf = cdfPlot(trace, latencyTitle)
    const ccdf = ccdfPlot(trace, latencyTitle)
    const series = timeSeries(run, trace, endMs)
    const throughput = throughputPlot(series, endMs, run.transport)
    const losses = lossPlot(series, endMs, run.transport)
    const latencyOverTime = latencyOverTimePlot(series, endMs, run.transport, latencyTitle)
    const kernelRetransmits = retransmitsPlot(run.intervals, endMs, run.transport)
    plots.push({
      transport: run.transport,
      points: scatter.points,
      downsampled: scatter.sample.downsampled,
      cdfSamples: cdf.samples,
      overTime: {
        throughput: throughput.points,
        losses: losses.points,
        latency: latencyOverTime.points,
        ccdf: ccdf.samples,
        ...(kernelRetransmits.points > 0 ? { retransmits: kernelRetransmits.points } : {}),
      },
    })
    const retransmits =
      run.retransmits === undefined
        ? ''
        : kernelRetransmits.points > 0
          ? ` The kernel retransmitted ${run.retransmits.toLocaleString('en-US')} segments, marked per interval below.`
          : ` The kernel retransmitted ${run.retransmits.toLocaleString('en-US')} segments; without --interval it gives their count, not their times, so they are not marked on the time axis.`
    const retransmitsFigure =
      kernelRetransmits.points > 0
        ? `<figure>${kernelRetransmits.svg}<figcaption>TCP segments the sender's kernel retransmitted per interval (${kernelRetransmits.total.toLocaleString('en-US')} in all; bars), and its congestion window at each interval's end (dots, on their own scale up to ${Math.max(...(run.intervals ?? []).map((interval) => interval.cwnd ?? 0)).toLocaleString('en-US')} segments): read from the connection (TCP_INFO) once per interval.</figcaption></figure>\n`
        : ''
    const sampled = scatter.sample.downsampled
      ? ` Downsampled to at most ${formatLimit(options.maxPlotPoints ?? MAX_PLOT_POINTS)} points: one in ${scatter.sample.normalStride} in-order deliveries and one in ${scatter.sample.anomalyStride} anomalies are drawn.`
      : ' Every message is drawn.'
    return `<article class="run" data-transport="${run.transport}">${title}
<figure>${scatter.svg}<figcaption>${legendHtml(scatter.points)}<br>Sequence number against arrival time: gaps in the line are losses, dots under it arrived late (reordered), a horizontal gap is a stall.${sampled}</figcaption></figure>
<figure>${throughput.svg}<figcaption>Delivered Mbit/s in ${OVER_TIME_LABEL(series.binMs)} bins, by arrival time.</figcaption></figure>
${losses.points > 0 ? `<figure>${losses.svg}<figcaption>Messages lost per bin, by send time.${retransmits}</figcaption></figure>` : `<p>No message was lost.${retransmits}</p>`}
${retransmitsFigure}<figure>${latencyOverTime.svg}<figcaption>${latencyTitle}: p50 and p99 of each bin's deliveries, over time.</figcaption></figure>
<div class="pair"><figure>${cdf.svg}<figcaption>${latencyTitle} CDF of ${cdf.samples.toLocaleString('en-US')} delivered messages: how many arrived within a given time.</figcaption></figure>
<figure>${ccdf.svg}<figcaption>The same as a CCDF on a log axis: the tail, 1 in 100 at 1e-2, 1 in 1,000 at 1e-3.</figcaption></figure></div>
</article>`
  })
  const data: HtmlReportData = { runs: report.runs, plots, sharedEndMs: endMs }
  const command = options.command === undefined ? '' : ` · <code>${escapeXml(options.command)}</code>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>protolab lab report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>protolab lab: ${escapeXml(labels.join(' vs '))}</h1>
<p class="meta">${escapeXml(generatedAt.toISOString())}${command}</p>
${options.environment === undefined ? '' : environmentHtml(options.environment, report.runs)}
${tableHtml(report.runs)}
${notesHtml(report.runs, options)}
<section class="runs">
${sections.join('\n')}
</section>
<script type="application/json" id="protolab-report">${scriptJson(data)}</script>
</body>
</html>
`
}

const OVER_TIME_LABEL = (binMs: number): string =>
  binMs >= 1000 ? `${Number((binMs / 1000).toPrecision(3))} s` : `${Number(binMs.toPrecision(3))} ms`

function formatLimit(limit: number): string {
  return limit.toLocaleString('en-US')
}

/** Writes the HTML report of `report` to `path`. */
export async function writeHtml(
  path: string,
  report: Pick<LabReport, 'runs' | 'traces'>,
  options?: RenderHtmlOptions,
): Promise<void> {
  // The header says what made the report: this process's command line and machine, unless given.
  await writeFile(path, renderHtml(report, { environment: thisEnvironment(), ...options }))
}
