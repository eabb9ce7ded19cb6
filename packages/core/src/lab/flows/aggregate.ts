import { InvalidArgumentError } from '../../errors.js'
import { createMicrosecondHistogram, decodeHistogram } from '../metrics/histogram.js'
import type { LatencyPercentilesMs } from '../metrics/lab-metrics.js'
import { latencyPercentilesMs } from '../metrics/latency-percentiles.js'
import type { ReceiverSummary } from '../metrics/receiver-summary.js'

/** What one flow of a run ended with: its receiver's summary and how many its sender sent. */
export interface FlowOutcome {
  readonly sent: number
  readonly summary: ReceiverSummary
}

/**
 * The flows of one run taken together, the `aggregate` of the JSON. Counts are sums over the
 * flows; latency comes from one histogram that merges every flow's; rates are over the union of
 * the flows' time spans, from the earliest first send that arrived to the latest delivery.
 */
export interface FlowAggregate {
  readonly flows: number
  readonly sent: number
  readonly delivered: number
  /** `sent - delivered`, summed per flow (a flow never has negative loss). */
  readonly lost: number
  readonly duplicates: number
  readonly reordered: number
  /** The largest of the flows' (each flow's extent counts within its own sequence space). */
  readonly maxReorderExtent: number
  /** The flows' own corrupted counts, plus damaged envelopes the run's receiver could give to no flow. */
  readonly corrupted: number
  /** The flows' own foreign counts, plus what reached the run's receiver but matched no flow. */
  readonly foreign: number
  /** Payload bytes delivered (first copies). */
  readonly payloadBytes: number
  /** Percentiles of every delivery of every flow, from the merged histogram; 0 when none. */
  readonly latencyMs: LatencyPercentilesMs
  readonly messagesPerSec: number
  readonly bytesPerSec: number
  /** `bytesPerSec × 8`: payload bits per second. */
  readonly bitsPerSec: number
  /** The union of the flows' time spans, ms; 0 when nothing was delivered. */
  readonly durationMs: number
  /** Stalls of all flows (each flow's own arrival gaps), summed. */
  readonly stalls: number
}

/** Options of {@link aggregateFlows}. */
export interface AggregateFlowsOptions {
  /** Messages the run's shared receiver got that belonged to no flow (counted once, not per flow). */
  readonly unclaimedForeign?: number
  /** Damaged envelopes the shared receiver could not give to any flow (their session unreadable). */
  readonly unclaimedCorrupted?: number
}

/**
 * The aggregate of the flows of one run (see {@link FlowAggregate}). The flows' summaries must
 * share a clock (`originNs`, monotonic ns), as the flows of one run between the same two hosts do.
 *
 * @throws InvalidArgumentError for no flows, or a `sent` that is not a whole number of 0 or more
 */
export function aggregateFlows(
  flows: readonly FlowOutcome[],
  options: AggregateFlowsOptions = {},
): FlowAggregate {
  if (flows.length === 0) throw new InvalidArgumentError('an aggregate needs at least one flow')
  let sent = 0
  let delivered = 0
  let lost = 0
  let duplicates = 0
  let reordered = 0
  let maxReorderExtent = 0
  let corrupted = options.unclaimedCorrupted ?? 0
  let foreign = options.unclaimedForeign ?? 0
  let payloadBytes = 0
  let stalls = 0
  let maxLatencyMs = 0
  let minLatencyMs = Number.POSITIVE_INFINITY
  // Pooled moments: Σ n·mean and Σ n·(stddev² + mean²) give the union's mean and variance.
  let sumMs = 0
  let sumSquaresMs = 0
  let startNs = Number.POSITIVE_INFINITY
  let endNs = Number.NEGATIVE_INFINITY
  const latency = createMicrosecondHistogram()
  for (const { sent: flowSent, summary } of flows) {
    if (!Number.isSafeInteger(flowSent) || flowSent < 0) {
      throw new InvalidArgumentError(`sent must be a non-negative integer, got ${String(flowSent)}`)
    }
    sent += flowSent
    delivered += summary.delivered
    lost += Math.max(0, flowSent - summary.delivered)
    duplicates += summary.duplicates
    reordered += summary.reordered
    maxReorderExtent = Math.max(maxReorderExtent, summary.maxReorderExtent)
    corrupted += summary.corrupted
    foreign += summary.foreign
    payloadBytes += summary.payloadBytes
    stalls += summary.stalls.length
    if (summary.delivered === 0) continue
    latency.add(decodeHistogram(summary.latencyHistogram))
    maxLatencyMs = Math.max(maxLatencyMs, summary.maxLatencyMs)
    minLatencyMs = Math.min(minLatencyMs, summary.minLatencyMs)
    sumMs += summary.delivered * summary.meanLatencyMs
    sumSquaresMs += summary.delivered * (summary.stddevLatencyMs ** 2 + summary.meanLatencyMs ** 2)
    startNs = Math.min(startNs, summary.originNs)
    endNs = Math.max(endNs, summary.originNs + summary.durationMs * 1e6)
  }
  const durationMs = delivered === 0 ? 0 : Math.max(0, (endNs - startNs) / 1e6)
  const seconds = durationMs / 1000
  const meanMs = delivered === 0 ? 0 : sumMs / delivered
  const moments = {
    minMs: delivered === 0 ? 0 : minLatencyMs,
    maxMs: maxLatencyMs,
    meanMs,
    stddevMs: delivered === 0 ? 0 : Math.sqrt(Math.max(0, sumSquaresMs / delivered - meanMs ** 2)),
  }
  const bytesPerSec = seconds > 0 ? payloadBytes / seconds : 0
  return {
    flows: flows.length,
    sent,
    delivered,
    lost,
    duplicates,
    reordered,
    maxReorderExtent,
    corrupted,
    foreign,
    payloadBytes,
    // Every percentile clamped into the exact [min, max], as a single run's are.
    latencyMs: latencyPercentilesMs(latency, moments, delivered),
    messagesPerSec: seconds > 0 ? roundRate(delivered / seconds) : 0,
    bytesPerSec: roundRate(bytesPerSec),
    bitsPerSec: roundRate(bytesPerSec * 8),
    durationMs: roundMs(durationMs),
    stalls,
  }
}

/**
 * A flow's delivered payload bit rate over its own time (its first send that arrived to its last
 * delivery): what {@link jainIndex} compares. 0 when it delivered nothing.
 */
export function flowBitsPerSec(summary: ReceiverSummary): number {
  return summary.durationMs > 0 ? (summary.payloadBytes * 8 * 1000) / summary.durationMs : 0
}

/** Milliseconds to the microsecond: what the histogram resolves. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

function roundRate(perSecond: number): number {
  return Math.round(perSecond * 100) / 100
}
