import type { LabTrace } from '../../runner/types.js'
import { type MessageStatus, messageStatus } from '../status.js'

/**
 * Most points one plot draws. A run with more messages is downsampled: anomalies (lost, reordered,
 * duplicated) keep up to half the budget and the in-order deliveries fill the rest, each by taking
 * every k-th one in sequence order, so a 1,000,000-message report still opens quickly and the
 * rare events stay visible.
 */
export const MAX_PLOT_POINTS = 20_000

/** Which messages of a trace a plot draws. */
export interface PlotSample {
  /** Keep one in `anomalyStride` of the lost, reordered and duplicated messages. */
  readonly anomalyStride: number
  /** Keep one in `normalStride` of the messages delivered once and in order. */
  readonly normalStride: number
  /** True when some messages are not drawn. */
  readonly downsampled: boolean
}

/** Chooses the strides that keep a trace's plot within `limit` points. */
export function planSample(trace: LabTrace, limit = MAX_PLOT_POINTS): PlotSample {
  if (trace.count <= limit) return { anomalyStride: 1, normalStride: 1, downsampled: false }
  let anomalies = 0
  for (let seq = 0; seq < trace.count; seq++) if (messageStatus(trace, seq) !== 'delivered') anomalies++
  const normals = trace.count - anomalies
  const anomalyStride = Math.max(1, Math.ceil(anomalies / Math.floor(limit / 2)))
  const keptAnomalies = Math.ceil(anomalies / anomalyStride)
  const normalStride = Math.max(1, Math.ceil(normals / Math.max(1, limit - keptAnomalies)))
  return { anomalyStride, normalStride, downsampled: true }
}

/** Calls `visit` for every message the sample keeps, in sequence order. */
export function forEachSampled(
  trace: LabTrace,
  sample: PlotSample,
  visit: (seq: number, status: MessageStatus) => void,
): void {
  let anomalies = 0
  let normals = 0
  for (let seq = 0; seq < trace.count; seq++) {
    const status = messageStatus(trace, seq)
    if (status === 'delivered') {
      if (normals++ % sample.normalStride === 0) visit(seq, status)
    } else if (anomalies++ % sample.anomalyStride === 0) {
      visit(seq, status)
    }
  }
}
