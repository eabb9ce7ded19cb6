import type { LabTrace } from '../../runner/types.js'
import type { MessageStatus } from '../status.js'
import { axesSvg, linearScale, PLOT_FRAME, svgNumber } from './axes.js'
import { forEachSampled, type PlotSample, planSample } from './sample.js'

/** The order series are drawn in (later ones on top) and their legend text. */
export const SCATTER_SERIES: readonly { readonly status: MessageStatus; readonly legend: string }[] = [
  { status: 'delivered', legend: 'delivered in order' },
  { status: 'duplicated', legend: 'duplicated' },
  { status: 'reordered', legend: 'reordered' },
  { status: 'lost', legend: 'lost (drawn at its send time)' },
]

/** A drawn sequence-vs-arrival plot: its SVG and how many points each series holds. */
export interface ScatterPlot {
  readonly svg: string
  readonly points: Readonly<Record<MessageStatus, number>>
  readonly sample: PlotSample
}

/**
 * The sequence-number vs arrival-time plot of one run: one dot per message at (first arrival,
 * sequence), lost messages at their send time. A gap shows loss, a dot below the line shows
 * reordering, a horizontal gap shows a stall. Each series is one SVG path of zero-length round-capped
 * segments (`M x y h0`), so 20,000 dots stay one element per series.
 */
export function scatterPlot(trace: LabTrace, limit?: number, sharedEndMs?: number): ScatterPlot {
  const sample = planSample(trace, limit)
  // All runs of a report on one time scale, when the caller gives its end.
  let maxTime = sharedEndMs ?? 0
  for (let seq = 0; seq < trace.count; seq++) {
    const arrived = trace.arrivedAtMs[seq] ?? Number.NaN
    const time = Number.isNaN(arrived) ? (trace.sentAtMs[seq] ?? 0) : arrived
    if (time > maxTime) maxTime = time
  }
  const frame = PLOT_FRAME
  const x = linearScale(0, maxTime || 1, frame.left, frame.width - frame.right)
  const y = linearScale(0, Math.max(1, trace.count - 1), frame.height - frame.bottom, frame.top)
  const paths: Record<MessageStatus, string[]> = { delivered: [], duplicated: [], reordered: [], lost: [] }
  forEachSampled(trace, sample, (seq, status) => {
    const time = status === 'lost' ? (trace.sentAtMs[seq] ?? 0) : (trace.arrivedAtMs[seq] ?? 0)
    paths[status].push(`M${svgNumber(x(time))} ${svgNumber(y(seq))}h0`)
  })
  const points = {
    delivered: paths.delivered.length,
    duplicated: paths.duplicated.length,
    reordered: paths.reordered.length,
    lost: paths.lost.length,
  }
  const series = SCATTER_SERIES.map(
    ({ status }) =>
      `<path class="dots ${status}" data-status="${status}" data-points="${points[status]}" d="${paths[status].join('')}"/>`,
  ).join('')
  const svg =
    `<svg class="plot scatter" data-transport="${trace.transport}" data-points="${points.delivered + points.duplicated + points.reordered + points.lost}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="sequence number against arrival time, ${trace.transport}">` +
    axesSvg(x, y, 'arrival time (ms since first send)', 'sequence number') +
    series +
    '</svg>'
  return { svg, points, sample }
}
