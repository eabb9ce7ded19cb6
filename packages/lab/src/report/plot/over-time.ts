import type { LabRun, LabTrace } from '../../runner/types.js'
import { axesSvg, linearScale, PLOT_FRAME, svgNumber } from './axes.js'

/** Bins a run is cut into for the plots over time (when it has no `--interval` intervals). */
export const OVER_TIME_BINS = 50

/** One run over time, bin by bin on a shared time axis. */
export interface TimeSeries {
  /** Start of each bin, ms since the run's first send. */
  readonly startMs: number[]
  readonly binMs: number
  /** Delivered payload in Mbit/s, by arrival time. */
  readonly mbits: number[]
  /** Messages lost, by send time. */
  readonly lost: number[]
  /** Latency of the bin's deliveries, by arrival time, ms; NaN where none arrived. */
  readonly p50Ms: number[]
  readonly p99Ms: number[]
}

/** The latest time anything of `traces` happened (a send or an arrival), ms: the shared time scale's end. */
export function sharedEndMs(traces: readonly (LabTrace | undefined)[]): number {
  let end = 0
  for (const trace of traces) {
    if (trace === undefined) continue
    for (let seq = 0; seq < trace.count; seq++) {
      const arrived = trace.arrivedAtMs[seq] ?? Number.NaN
      const time = Number.isNaN(arrived) ? (trace.sentAtMs[seq] ?? 0) : arrived
      if (time > end) end = time
    }
  }
  return end || 1
}

/**
 * A run cut into {@link OVER_TIME_BINS} bins of the shared time axis `[0, endMs]`: delivered
 * Mbit/s and latency percentiles by arrival time, losses by send time (when it was sent).
 */
export function timeSeries(run: LabRun, trace: LabTrace, endMs: number): TimeSeries {
  const binMs = endMs / OVER_TIME_BINS
  const payloadBytes = run.messagesPerSec > 0 ? run.bytesPerSec / run.messagesPerSec : 0
  const bin = (ms: number): number => Math.min(OVER_TIME_BINS - 1, Math.max(0, Math.floor(ms / binMs)))
  const delivered = new Array<number>(OVER_TIME_BINS).fill(0)
  const lost = new Array<number>(OVER_TIME_BINS).fill(0)
  const latencies: number[][] = Array.from({ length: OVER_TIME_BINS }, () => [])
  for (let seq = 0; seq < trace.count; seq++) {
    const arrived = trace.arrivedAtMs[seq] ?? Number.NaN
    const sent = trace.sentAtMs[seq] ?? 0
    if (Number.isNaN(arrived)) {
      lost[bin(sent)]!++
      continue
    }
    const index = bin(arrived)
    delivered[index]!++
    latencies[index]!.push(arrived - sent)
  }
  const percentile = (values: number[], p: number): number => {
    if (values.length === 0) return Number.NaN
    values.sort((a, b) => a - b)
    return values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? Number.NaN
  }
  return {
    startMs: delivered.map((_, index) => index * binMs),
    binMs,
    mbits: delivered.map((count) => (count * payloadBytes * 8) / (binMs * 1000)),
    lost,
    p50Ms: latencies.map((values) => percentile(values, 50)),
    p99Ms: latencies.map((values) => percentile(values, 99)),
  }
}

/** A drawn plot over time and how many of its points have data. */
export interface OverTimePlot {
  readonly svg: string
  /** Points or bars drawn with a value (not NaN); 0 means an empty plot. */
  readonly points: number
}

/** Delivered Mbit/s per bin (a line) over the shared time axis. */
export function throughputPlot(series: TimeSeries, endMs: number, transport: string): OverTimePlot {
  return linePlot(
    [{ name: 'mbits', values: series.mbits }],
    series,
    endMs,
    transport,
    'delivered Mbit/s',
    'throughput',
  )
}

/** The latency p50 and p99 of each bin's deliveries over the shared time axis. */
export function latencyOverTimePlot(
  series: TimeSeries,
  endMs: number,
  transport: string,
  latencyTitle: string,
): OverTimePlot {
  return linePlot(
    [
      { name: 'p50', values: series.p50Ms },
      { name: 'p99', values: series.p99Ms },
    ],
    series,
    endMs,
    transport,
    `${latencyTitle} p50, p99 (ms)`,
    'latency-over-time',
  )
}

/** Messages lost per bin (bars, by send time) over the shared time axis. */
export function lossPlot(series: TimeSeries, endMs: number, transport: string): OverTimePlot {
  const frame = PLOT_FRAME
  const top = Math.max(1, ...series.lost)
  const x = linearScale(0, endMs, frame.left, frame.width - frame.right)
  const y = linearScale(0, top, frame.height - frame.bottom, frame.top)
  const width = Math.max(1, x(series.binMs) - x(0) - 1)
  let bars = ''
  let points = 0
  for (const [index, count] of series.lost.entries()) {
    if (count === 0) continue
    points++
    const left = x(series.startMs[index] ?? 0)
    bars += `M${svgNumber(left)} ${svgNumber(y(0))}V${svgNumber(y(count))}h${svgNumber(width)}V${svgNumber(y(0))}Z`
  }
  const svg =
    `<svg class="plot over-time losses" data-transport="${transport}" data-points="${points}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="messages lost over time, ${transport}">` +
    axesSvg(x, y, 'send time (ms since first send)', 'messages lost') +
    `<path class="bars lost" d="${bars}"/>` +
    '</svg>'
  return { svg, points }
}

function linePlot(
  lines: readonly { name: string; values: readonly number[] }[],
  series: TimeSeries,
  endMs: number,
  transport: string,
  yTitle: string,
  kind: string,
): OverTimePlot {
  const frame = PLOT_FRAME
  const finite = lines.flatMap((line) => line.values.filter((value) => Number.isFinite(value)))
  const x = linearScale(0, endMs, frame.left, frame.width - frame.right)
  const y = linearScale(0, Math.max(...finite, 0) * 1.05 || 1, frame.height - frame.bottom, frame.top)
  const paths = lines.map((line) => {
    let d = ''
    let pen = false
    for (const [index, value] of line.values.entries()) {
      if (!Number.isFinite(value)) {
        pen = false
        continue
      }
      const px = svgNumber(x((series.startMs[index] ?? 0) + series.binMs / 2))
      // A lone point still shows: a round-capped zero-length segment.
      d += `${pen ? 'L' : 'M'}${px} ${svgNumber(y(value))}${pen ? '' : 'h0'}`
      pen = true
    }
    return `<path class="line ${line.name}" data-series="${line.name}" d="${d}"/>`
  })
  const svg =
    `<svg class="plot over-time ${kind}" data-transport="${transport}" data-points="${finite.length}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${yTitle} over time, ${transport}">` +
    axesSvg(x, y, 'arrival time (ms since first send)', yTitle) +
    paths.join('') +
    '</svg>'
  return { svg, points: finite.length }
}
