import type { LabTrace } from '../../runner/types.js'
import { axesSvg, linearScale, PLOT_FRAME, svgNumber } from './axes.js'

/** Steps a latency CDF is drawn with at most: enough for a smooth curve at any run size. */
export const CDF_STEPS = 1000

/** A drawn latency CDF and the latencies it was drawn from. */
export interface CdfPlot {
  readonly svg: string
  /** Messages whose latency the curve covers (every delivered one). */
  readonly samples: number
}

/** The latencies (first arrival minus send time, ms) of every delivered message, sorted. */
export function sortedLatencies(trace: LabTrace): Float64Array {
  let delivered = 0
  for (let seq = 0; seq < trace.count; seq++) if ((trace.copies[seq] ?? 0) > 0) delivered++
  const latencies = new Float64Array(delivered)
  let next = 0
  for (let seq = 0; seq < trace.count; seq++) {
    if ((trace.copies[seq] ?? 0) > 0)
      latencies[next++] = (trace.arrivedAtMs[seq] ?? 0) - (trace.sentAtMs[seq] ?? 0)
  }
  return latencies.sort()
}

/**
 * The latency CDF of one run: the fraction of delivered messages (y) that arrived within a latency
 * (x), a step curve through at most {@link CDF_STEPS} quantiles.
 */
export function cdfPlot(trace: LabTrace, latencyTitle: string): CdfPlot {
  const latencies = sortedLatencies(trace)
  const n = latencies.length
  const frame = PLOT_FRAME
  const low = n > 0 ? (latencies[0] ?? 0) : 0
  const high = n > 0 ? (latencies[n - 1] ?? 1) : 1
  // A little room either side, so the curve's first and last steps are not on the frame.
  const pad = (high - low) * 0.03 || Math.max(high * 0.05, 0.01)
  const x = linearScale(Math.max(0, low - pad), high + pad, frame.left, frame.width - frame.right)
  const y = linearScale(0, 1, frame.height - frame.bottom, frame.top)
  let d = ''
  if (n > 0) {
    const steps = Math.min(n, CDF_STEPS)
    d = `M${svgNumber(x(latencies[0] ?? 0))} ${svgNumber(y(0))}`
    for (let step = 1; step <= steps; step++) {
      const index = Math.ceil((step / steps) * n) - 1
      const value = latencies[index] ?? 0
      d += `H${svgNumber(x(value))}V${svgNumber(y((index + 1) / n))}`
    }
  }
  const svg =
    `<svg class="plot cdf" data-transport="${trace.transport}" data-samples="${n}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${latencyTitle} CDF, ${trace.transport}">` +
    axesSvg(x, y, `${latencyTitle} (ms)`, 'fraction of delivered messages') +
    `<path class="curve" d="${d}"/>` +
    '</svg>'
  return { svg, samples: n }
}
