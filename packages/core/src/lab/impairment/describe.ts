import {
  type DatagramImpairment,
  DEFAULT_LOSS_BURST,
  DEFAULT_REORDER_GAP,
  DEFAULT_RTO_MS,
  DEFAULT_SEGMENT_BYTES,
  type StreamImpairment,
} from './config.js'

/** A datagram impairment in one line for a report, e.g. `loss 5% (gilbert, mean burst 4), delay 10±5 ms`; `none` when empty. */
export function describeDatagramImpairment(config: DatagramImpairment): string {
  const parts: string[] = []
  if ((config.loss ?? 0) > 0) {
    const gilbert = config.lossModel === 'gilbert'
    parts.push(
      `loss ${percent(config.loss!)}${gilbert ? ` (gilbert, mean burst ${config.lossBurst ?? DEFAULT_LOSS_BURST})` : ''}`,
    )
  }
  if ((config.duplicate ?? 0) > 0) parts.push(`duplicate ${percent(config.duplicate!)}`)
  if ((config.reorder ?? 0) > 0)
    parts.push(`reorder ${percent(config.reorder!)} (gap ${config.reorderGap ?? DEFAULT_REORDER_GAP})`)
  pushDelay(parts, config.delayMs, config.jitterMs)
  if ((config.rateLimitBytesPerSec ?? 0) > 0) {
    const queue = config.queuePackets === undefined ? '' : `, queue ${config.queuePackets} packets`
    parts.push(`rate ${formatRate(config.rateLimitBytesPerSec!)}${queue}`)
  }
  if ((config.corrupt ?? 0) > 0) parts.push(`corrupt ${percent(config.corrupt!)}`)
  return parts.length === 0 ? 'none' : parts.join(', ')
}

/** A stream impairment in one line for a report, e.g. `delay 10 ms, slice 1 B`; `none` when empty. Modelled loss says so. */
export function describeStreamImpairment(config: StreamImpairment): string {
  const parts: string[] = []
  pushDelay(parts, config.delayMs, config.jitterMs)
  if ((config.rateLimitBytesPerSec ?? 0) > 0) parts.push(`rate ${formatRate(config.rateLimitBytesPerSec!)}`)
  if ((config.sliceBytes ?? 0) > 0) parts.push(`slice ${config.sliceBytes} B`)
  if ((config.stallEveryBytes ?? 0) > 0)
    parts.push(`stall ${config.stallMs} ms every ${config.stallEveryBytes} B`)
  if ((config.stallProbability ?? 0) > 0) {
    parts.push(`stall ${config.stallMs} ms with ${percent(config.stallProbability!)} per segment`)
  }
  if ((config.resetAfterBytes ?? 0) > 0) parts.push(`reset after ${config.resetAfterBytes} B`)
  if ((config.resetProbability ?? 0) > 0)
    parts.push(`reset with ${percent(config.resetProbability!)} per segment`)
  if ((config.loss ?? 0) > 0) {
    const rto = config.rtoMs ?? DEFAULT_RTO_MS
    const segment = config.segmentBytes ?? DEFAULT_SEGMENT_BYTES
    parts.push(
      `loss ${percent(config.loss!)} (modelled: TCP recovery by RACK, tail-loss probe, and a ${rto} ms minimum RTO when a retransmission is lost; segments of at most ${segment} B)`,
    )
  }
  return parts.length === 0 ? 'none' : parts.join(', ')
}

function pushDelay(parts: string[], delayMs = 0, jitterMs = 0): void {
  if (delayMs > 0 || jitterMs > 0)
    parts.push(`delay ${round(delayMs)}${jitterMs > 0 ? `±${round(jitterMs)}` : ''} ms`)
}

function percent(probability: number): string {
  return `${round(probability * 100)}%`
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}

function formatRate(bytesPerSecond: number): string {
  const bits = bytesPerSecond * 8
  if (bits >= 1e9) return `${round(bits / 1e9)} Gbit/s`
  if (bits >= 1e6) return `${round(bits / 1e6)} Mbit/s`
  if (bits >= 1e3) return `${round(bits / 1e3)} kbit/s`
  return `${round(bits)} bit/s`
}
