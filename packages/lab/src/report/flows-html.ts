import { writeFile } from 'node:fs/promises'
import type { LabFlowsRun } from '../runner/flow-types.js'
import type { LabTrace } from '../runner/types.js'
import { renderFlowTable } from './flow-table.js'
import { escapeXml } from './plot/axes.js'
import { FLOW_COLORS, flowsThroughputPlot } from './plot/flows-over-time.js'
import { environmentHtml, type ReportEnvironment, thisEnvironment } from './report-header.js'

/** Options of {@link renderFlowsHtml}. */
export interface RenderFlowsHtmlOptions {
  /** The command line that produced the report, shown under the title. */
  readonly command?: string
  /** When the report was made; defaults to now. */
  readonly generatedAt?: Date
  /** Where and by what the report was made, shown in its header. */
  readonly environment?: ReportEnvironment
  /** Lines for under the tables: which link ran, what it did. */
  readonly notes?: readonly string[]
  /** The payload bytes of each message, for Mbit/s. */
  readonly payloadBytes: number
}

/** A run of flows and, when kept, each flow's per-message data in flow order. */
export interface FlowsReportRun {
  readonly run: LabFlowsRun
  readonly traces?: readonly LabTrace[] | undefined
}

/** What the report's inline JSON (`<script type="application/json" id="protolab-report">`) holds. */
export interface FlowsHtmlReportData {
  readonly runs: readonly LabFlowsRun[]
  /** Per run: for each flow, the bins of its Mbit/s line with something delivered. */
  readonly plots: readonly { readonly points: readonly number[] }[]
}

const STYLE = `
:root{color-scheme:light;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;background:#f8fafc}
body{margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:0 0 8px}
.meta{color:#6b7280;margin:0 0 16px}.meta code{color:#374151}
.run{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px;margin:0 0 20px}
pre{font:13px/1.4 ui-monospace,Menlo,Consolas,monospace;overflow-x:auto;margin:0 0 12px}
figure{margin:0 0 12px;max-width:760px}figcaption{color:#4b5563;font-size:13px}
svg.plot{width:100%;height:auto;display:block}
.grid{stroke:#eef2f7;stroke-width:1}.frame{fill:none;stroke:#9ca3af}
.tick{font-size:11px;fill:#6b7280}.title{font-size:12px;fill:#374151}
.line{fill:none;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.legend{display:inline-flex;align-items:center;margin-right:12px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px}
.notes{color:#374151}.env{color:#374151;margin:0 0 16px;font-size:13px}
.env dt{font-weight:600;float:left;clear:left;width:110px}.env dd{margin:0 0 2px 110px}
`

/**
 * One self-contained HTML report of runs of several flows (`--parallel`, `--flows`): per run the
 * table the terminal shows (flows, aggregate, fairness, what was shared) and, where per-message
 * data was kept, every flow's delivered Mbit/s on one time axis. Inline CSS and SVG, the data as
 * inline JSON; no script runs and nothing is fetched.
 */
export function renderFlowsHtml(runs: readonly FlowsReportRun[], options: RenderFlowsHtmlOptions): string {
  const generatedAt = options.generatedAt ?? new Date()
  const plots: FlowsHtmlReportData['plots'][number][] = []
  const sections = runs.map(({ run, traces }) => {
    const title = `<h2>${escapeXml(run.flows.map((flow) => `${flow.id} ${flow.transport}`).join(', '))}</h2>`
    const table = `<pre>${escapeXml(renderFlowTable(run, { width: 120 }))}</pre>`
    if (traces === undefined || traces.length !== run.flows.length) {
      plots.push({ points: [] })
      return `<article class="run">${title}${table}<p>No per-message data was kept for these flows.</p></article>`
    }
    const plot = flowsThroughputPlot(run.flows, traces, options.payloadBytes)
    plots.push({ points: plot.points })
    const legend = run.flows
      .map(
        (flow, index) =>
          `<span class="legend"><span class="swatch" style="background:${FLOW_COLORS[index % FLOW_COLORS.length]}"></span>flow ${flow.id} ${flow.transport}</span>`,
      )
      .join('')
    const bin =
      plot.binMs >= 1000 ? `${(plot.binMs / 1000).toPrecision(3)} s` : `${plot.binMs.toPrecision(3)} ms`
    return `<article class="run">${title}${table}
<figure>${plot.svg}<figcaption>${legend}<br>Each flow's delivered Mbit/s in ${bin} bins, by arrival time, on one time axis: a flow that backs off falls under one that holds its rate.</figcaption></figure>
</article>`
  })
  const data: FlowsHtmlReportData = { runs: runs.map(({ run }) => run), plots }
  const command = options.command === undefined ? '' : ` · <code>${escapeXml(options.command)}</code>`
  const notes = (options.notes ?? []).map((note) => `<li>${escapeXml(note)}</li>`).join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>protolab lab report: flows</title>
<style>${STYLE}</style>
</head>
<body>
<h1>protolab lab: flows at once</h1>
<p class="meta">${escapeXml(generatedAt.toISOString())}${command}</p>
${
  options.environment === undefined
    ? ''
    : environmentHtml(
        options.environment,
        runs.map(({ run }) => run),
      )
}
${sections.join('\n')}
${notes === '' ? '' : `<ul class="notes">${notes}</ul>`}
<script type="application/json" id="protolab-report">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
</body>
</html>
`
}

/** Writes the HTML report of runs of flows to `path`. */
export async function writeFlowsHtml(
  path: string,
  runs: readonly FlowsReportRun[],
  options: RenderFlowsHtmlOptions,
): Promise<void> {
  await writeFile(path, renderFlowsHtml(runs, { environment: thisEnvironment(), ...options }))
}
