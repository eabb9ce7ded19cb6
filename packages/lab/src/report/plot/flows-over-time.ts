import type { LabFlowRun } from '../../runner/flow-types.js'
import type { LabTrace } from '../../runner/types.js'
import { axesSvg, escapeXml, linearScale, PLOT_FRAME, svgNumber } from './axes.js'
import { OVER_TIME_BINS, sharedEndMs } from './over-time.js'

/** A colour per flow, in flow order (repeating past eight). */
export const FLOW_COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#ca8a04',
  '#db2777',
] as const

/** The plot of every flow's delivered Mbit/s over one time axis. */
export interface FlowsOverTimePlot {
  readonly svg: string
  /** Per flow, the bins with something delivered: 0 means the flow's line is flat at 0. */
  readonly points: readonly number[]
  readonly binMs: number
}

/**
 * Each flow's delivered Mbit/s per bin, by arrival time, one line per flow on one time axis
 * (the flows started together, each trace's time 0 its first send), so a TCP flow backing off
 * while a UDP flow holds its rate shows as one line falling under the other.
 */
export function flowsThroughputPlot(
  flows: readonly LabFlowRun[],
  traces: readonly LabTrace[],
  payloadBytes: number,
): FlowsOverTimePlot {
  const endMs = sharedEndMs(traces)
  const binMs = endMs / OVER_TIME_BINS
  const series = traces.map((trace) => {
    const delivered = new Array<number>(OVER_TIME_BINS).fill(0)
    for (let seq = 0; seq < trace.count; seq++) {
      const arrived = trace.arrivedAtMs[seq] ?? Number.NaN
      if (Number.isNaN(arrived)) continue
      delivered[Math.min(OVER_TIME_BINS - 1, Math.max(0, Math.floor(arrived / binMs)))]!++
    }
    return delivered.map((count) => (count * payloadBytes * 8) / (binMs * 1000))
  })
  const frame = PLOT_FRAME
  const x = linearScale(0, endMs, frame.left, frame.width - frame.right)
  const y = linearScale(0, Math.max(1e-3, ...series.flat()), frame.height - frame.bottom, frame.top)
  const lines = series.map((values, index) => {
    const flow = flows[index]
    const d = values
      .map(
        (value, bin) => `${bin === 0 ? 'M' : 'L'}${svgNumber(x((bin + 0.5) * binMs))} ${svgNumber(y(value))}`,
      )
      .join('')
    const color = FLOW_COLORS[index % FLOW_COLORS.length]
    const name = flow === undefined ? `flow ${index + 1}` : `flow ${flow.id} ${flow.transport}`
    return `<path class="line flow" data-flow="${flow?.id ?? index + 1}" style="stroke:${color}" d="${d}"><title>${escapeXml(name)}</title></path>`
  })
  const svg =
    `<svg class="plot over-time flows" data-flows="${traces.length}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="delivered Mbit/s of each flow over time">` +
    axesSvg(x, y, 'arrival time (ms since the first send)', 'delivered Mbit/s') +
    lines.join('') +
    '</svg>'
  return { svg, points: series.map((values) => values.filter((value) => value > 0).length), binMs }
}
