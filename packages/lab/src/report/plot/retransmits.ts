import type { LabInterval } from '@protolab/core'
import { axesSvg, linearScale, PLOT_FRAME, svgNumber } from './axes.js'
import type { OverTimePlot } from './over-time.js'

/**
 * The kernel's TCP retransmissions in time: one bar per interval (`--interval` on a kernel or
 * packet link, or between hosts) as high as the segments the sender retransmitted in it, on the
 * shared time axis, with the congestion window read at each interval's end as dots over them.
 * Empty (0 points) when no interval carries a retransmission.
 */
export function retransmitsPlot(
  intervals: readonly LabInterval[] | undefined,
  endMs: number,
  transport: string,
): OverTimePlot & { readonly total: number } {
  const read = (intervals ?? []).filter((interval) => interval.retransmits !== undefined)
  const total = read.reduce((sum, interval) => sum + (interval.retransmits ?? 0), 0)
  if (total === 0) return { svg: '', points: 0, total }
  const frame = PLOT_FRAME
  const lastEnd = Math.max(endMs, ...read.map((interval) => interval.endMs))
  const top = Math.max(1, ...read.map((interval) => interval.retransmits ?? 0))
  const x = linearScale(0, lastEnd, frame.left, frame.width - frame.right)
  const y = linearScale(0, top * 1.05, frame.height - frame.bottom, frame.top)
  let bars = ''
  let points = 0
  for (const interval of read) {
    const count = interval.retransmits ?? 0
    if (count === 0) continue
    points++
    const left = x(interval.startMs)
    const width = Math.max(1, x(interval.endMs) - left - 1)
    bars += `M${svgNumber(left)} ${svgNumber(y(0))}V${svgNumber(y(count))}h${svgNumber(width)}V${svgNumber(y(0))}Z`
  }
  // The congestion window on its own scale: where it collapsed is where the losses were felt.
  const cwndTop = Math.max(1, ...read.map((interval) => interval.cwnd ?? 0))
  const cwndY = linearScale(0, cwndTop * 1.05, frame.height - frame.bottom, frame.top)
  let cwnd = ''
  for (const interval of read) {
    if (interval.cwnd === undefined) continue
    cwnd += `M${svgNumber(x(interval.endMs))} ${svgNumber(cwndY(interval.cwnd))}h0`
  }
  const svg =
    `<svg class="plot over-time retransmits" data-transport="${transport}" data-points="${points}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="TCP segments retransmitted over time, ${transport}">` +
    axesSvg(x, y, 'time (ms since first send)', 'segments retransmitted') +
    `<path class="bars retransmits" d="${bars}"/>` +
    (cwnd === '' ? '' : `<path class="dots cwnd" data-series="cwnd" data-max="${cwndTop}" d="${cwnd}"/>`) +
    '</svg>'
  return { svg, points, total }
}
