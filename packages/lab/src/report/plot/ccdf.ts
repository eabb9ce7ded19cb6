import type { LabTrace } from '../../runner/types.js'
import { escapeXml, linearScale, niceTicks, PLOT_FRAME, svgNumber, tickLabel } from './axes.js'
import { CDF_STEPS, sortedLatencies } from './cdf.js'

/** A drawn latency CCDF. */
export interface CcdfPlot {
  readonly svg: string
  readonly samples: number
}

/**
 * The latency CCDF of one run on a log axis: the fraction of delivered messages (y, from 1 down to
 * 1/n) that took longer than a latency (x). The tail the linear CDF squeezes into its top edge
 * spreads over decades here: p99 at 10⁻², p99.9 at 10⁻³.
 */
export function ccdfPlot(trace: LabTrace, latencyTitle: string): CcdfPlot {
  const latencies = sortedLatencies(trace)
  const n = latencies.length
  const frame = PLOT_FRAME
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(n, 10))))
  const low = n > 0 ? (latencies[0] ?? 0) : 0
  const high = n > 0 ? (latencies[n - 1] ?? 1) : 1
  const pad = (high - low) * 0.03 || Math.max(high * 0.05, 0.01)
  const x = linearScale(Math.max(0, low - pad), high + pad, frame.left, frame.width - frame.right)
  // y is log10 of the fraction: 0 at the top, -decades at the bottom.
  const y = linearScale(-decades, 0, frame.height - frame.bottom, frame.top)
  let d = ''
  if (n > 0) {
    const steps = Math.min(n, CDF_STEPS * 4)
    d = `M${svgNumber(x(latencies[0] ?? 0))} ${svgNumber(y(0))}`
    for (let step = 1; step <= steps; step++) {
      // Steps crowd towards the tail, where this plot is read.
      const rank = Math.min(n, Math.ceil(n * (1 - 10 ** (-decades * (step / steps)))))
      const value = latencies[Math.max(0, rank - 1)] ?? 0
      const beyond = (n - rank) / n
      if (beyond <= 0) break
      d += `H${svgNumber(x(value))}V${svgNumber(y(Math.log10(beyond)))}`
    }
  }
  const parts: string[] = []
  const bottom = frame.height - frame.bottom
  for (let decade = 0; decade <= decades; decade++) {
    const py = svgNumber(y(-decade))
    parts.push(
      `<line class="grid" x1="${frame.left}" x2="${frame.width - frame.right}" y1="${py}" y2="${py}"/>`,
    )
    parts.push(
      `<text class="tick" x="${frame.left - 6}" y="${py}" dy="0.32em" text-anchor="end">${decade === 0 ? '1' : `1e-${decade}`}</text>`,
    )
  }
  const xTicks = niceTicks(x.min, x.max)
  for (const tick of xTicks) {
    const px = svgNumber(x(tick))
    parts.push(`<line class="grid" x1="${px}" x2="${px}" y1="${frame.top}" y2="${bottom}"/>`)
    parts.push(
      `<text class="tick" x="${px}" y="${bottom + 16}" text-anchor="middle">${tickLabel(tick)}</text>`,
    )
  }
  parts.push(
    `<rect class="frame" x="${frame.left}" y="${frame.top}" width="${frame.width - frame.left - frame.right}" height="${bottom - frame.top}"/>`,
    `<text class="title" x="${(frame.left + frame.width - frame.right) / 2}" y="${frame.height - 6}" text-anchor="middle">${escapeXml(`${latencyTitle} (ms)`)}</text>`,
    `<text class="title" transform="translate(14 ${(frame.top + bottom) / 2}) rotate(-90)" text-anchor="middle">fraction slower (log)</text>`,
  )
  const svg =
    `<svg class="plot ccdf" data-transport="${trace.transport}" data-samples="${n}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${latencyTitle} CCDF on a log axis, ${trace.transport}">` +
    parts.join('') +
    `<path class="curve" d="${d}"/>` +
    '</svg>'
  return { svg, samples: n }
}
