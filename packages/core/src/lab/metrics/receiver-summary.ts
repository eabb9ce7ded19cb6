import { InvalidArgumentError } from '../../errors.js'
import type { ArrivalSample } from './arrival-sample.js'
import { decodeHistogram } from './histogram.js'
import type { LabMetrics } from './lab-metrics.js'
import type { LatencyMomentsMs } from './latency-moments.js'
import { latencyPercentilesMs, roundMs } from './latency-percentiles.js'

/** The format tag of a {@link ReceiverSummary}; a summary with another tag is refused. */
export const RECEIVER_SUMMARY_FORMAT = 'protolab-receiver-summary/1'

/** A gap between two consecutive deliveries that counted as a stall. */
export interface Stall {
  /** When the delivery that ended the gap arrived, ms after the time origin. */
  readonly atMs: number
  /** The length of the gap in ms. */
  readonly gapMs: number
}

/**
 * Per sequence number records, encoded for transfer: each field is the base64 of a typed array in
 * the byte order named by `byteOrder`. Decode with {@link decodeMessageRecords}.
 */
export interface EncodedMessageRecords {
  /** Records held: the highest sequence number received, plus one. */
  readonly count: number
  readonly byteOrder: 'LE' | 'BE'
  /** Uint8Array: copies received of each sequence number, saturating at 255. */
  readonly copies: string
  /** Uint8Array: 1 when the first copy of the sequence number arrived reordered (RFC 4737), else 0. */
  readonly reordered: string
  /** Float32Array: send time (ms after the time origin) of each sequence number, NaN when none arrived. */
  readonly sentMs: string
  /** Float32Array: first arrival (ms after the time origin) of each sequence number, NaN when none arrived. */
  readonly arrivalMs: string
}

/**
 * Per sequence number records for a CSV log or a plot: index `seq` of each array is that message.
 * Sequence numbers from `count` up to the number sent never arrived (lost).
 */
export interface MessageRecords {
  /** Records held: the highest sequence number received, plus one. */
  readonly count: number
  /** Copies received, saturating at 255: 0 lost, 1 delivered once, more duplicated. */
  readonly copies: Uint8Array
  /** 1 when the first copy arrived after a higher sequence number (reordered), else 0. */
  readonly reordered: Uint8Array
  /** Send time, ms after the time origin; NaN when no copy arrived. */
  readonly sentMs: Float32Array
  /** First arrival, ms after the time origin; NaN when no copy arrived. */
  readonly arrivalMs: Float32Array
}

/**
 * Everything a receiver measured, as plain JSON-safe data (also fine for structured clone), so a
 * receiver in a child process can hand its results to the parent: `JSON.stringify` it or
 * `process.send` it, then {@link labMetricsFromSummary} once the parent knows how many were sent.
 * Times are ms after `originNs`, the send time of the first message that arrived.
 */
export interface ReceiverSummary {
  readonly format: typeof RECEIVER_SUMMARY_FORMAT
  readonly delivered: number
  readonly duplicates: number
  readonly reordered: number
  readonly maxReorderExtent: number
  readonly corrupted: number
  readonly foreign: number
  /** Payload bytes of delivered messages (first copies only). */
  readonly payloadBytes: number
  readonly jitterMs: number
  /** From the earliest send time received to the last delivery; 0 when nothing arrived. */
  readonly durationMs: number
  /** Monotonic ns of the time origin (0 when nothing arrived). */
  readonly originNs: number
  /** Latencies in microseconds, as HdrHistogram's compressed base64. */
  readonly latencyHistogram: string
  readonly maxLatencyMs: number
  /** The smallest latency, exact. */
  readonly minLatencyMs: number
  /** The mean latency, exact. */
  readonly meanLatencyMs: number
  /** The population standard deviation of latency, exact. */
  readonly stddevLatencyMs: number
  /** Median gap between consecutive deliveries, ms. */
  readonly medianGapMs: number
  /** Gaps longer than this (`max(10 × medianGapMs, stall floor)`) are stalls. */
  readonly stallThresholdMs: number
  readonly stalls: readonly Stall[]
  /** The sequence-vs-arrival plot's points, downsampled. */
  readonly arrivals: ArrivalSample
  /** Per-message records, when asked for. */
  readonly messages?: EncodedMessageRecords
}

/** The run's {@link LabMetrics} from a receiver's summary and the count the sender sent. */
export function labMetricsFromSummary(summary: ReceiverSummary, sent: number): LabMetrics {
  checkFormat(summary)
  if (!Number.isSafeInteger(sent) || sent < 0) {
    throw new InvalidArgumentError(`sent must be a non-negative integer, got ${String(sent)}`)
  }
  const histogram = decodeHistogram(summary.latencyHistogram)
  const delivered = summary.delivered
  const seconds = summary.durationMs / 1000
  return {
    sent,
    delivered,
    lost: Math.max(0, sent - delivered),
    duplicates: summary.duplicates,
    reordered: summary.reordered,
    maxReorderExtent: summary.maxReorderExtent,
    corrupted: summary.corrupted,
    foreign: summary.foreign,
    latencyMs: latencyPercentilesMs(histogram, summaryMoments(summary), delivered),
    jitterMs: roundMs(summary.jitterMs),
    messagesPerSec: seconds > 0 ? roundRate(delivered / seconds) : 0,
    bytesPerSec: seconds > 0 ? roundRate(summary.payloadBytes / seconds) : 0,
    bitsPerSec: seconds > 0 ? roundRate((summary.payloadBytes * 8) / seconds) : 0,
    durationMs: roundMs(summary.durationMs),
    stalls: summary.stalls.length,
  }
}

/** Points of a latency CDF: latency in ms at each cumulative fraction, from the summary's histogram. */
export interface LatencyCdf {
  readonly ms: number[]
  /** Cumulative fraction of deliveries, 0 to 1, increasing. */
  readonly fraction: number[]
}

/**
 * The latency CDF for a plot: one point per percent, then more points into the tail (99.5, 99.9,
 * 99.95, 99.99, 100). Empty when nothing was delivered.
 */
export function latencyCdf(summary: ReceiverSummary): LatencyCdf {
  checkFormat(summary)
  const cdf: LatencyCdf = { ms: [], fraction: [] }
  if (summary.delivered === 0) return cdf
  const histogram = decodeHistogram(summary.latencyHistogram)
  const min = roundMs(summary.minLatencyMs)
  const max = roundMs(summary.maxLatencyMs)
  const percentiles: number[] = []
  for (let p = 0; p < 100; p++) percentiles.push(p)
  percentiles.push(99.5, 99.9, 99.95, 99.99)
  for (const p of percentiles) {
    // Clamped as in latencyPercentilesMs: a bucket's top can lie beyond the exact extremes.
    cdf.ms.push(Math.min(max, Math.max(min, roundMs(histogram.getValueAtPercentile(p) / 1000))))
    cdf.fraction.push(p / 100)
  }
  cdf.ms.push(max)
  cdf.fraction.push(1)
  return cdf
}

/**
 * The typed arrays of a summary's per-message records, or undefined when it holds none.
 *
 * @throws InvalidArgumentError when the records were written in another byte order or are damaged
 */
export function decodeMessageRecords(summary: ReceiverSummary): MessageRecords | undefined {
  checkFormat(summary)
  const encoded = summary.messages
  if (encoded === undefined) return undefined
  if (encoded.byteOrder !== HOST_BYTE_ORDER) {
    throw new InvalidArgumentError(
      `message records are ${encoded.byteOrder}, this host is ${HOST_BYTE_ORDER}`,
    )
  }
  const copies = new Uint8Array(encoded.count)
  const reordered = new Uint8Array(encoded.count)
  const sentMs = new Float32Array(encoded.count)
  const arrivalMs = new Float32Array(encoded.count)
  fillFromBase64(copies, encoded.copies, 'copies')
  fillFromBase64(reordered, encoded.reordered, 'reordered')
  fillFromBase64(sentMs, encoded.sentMs, 'sentMs')
  fillFromBase64(arrivalMs, encoded.arrivalMs, 'arrivalMs')
  return { count: encoded.count, copies, reordered, sentMs, arrivalMs }
}

/** Encodes per-message records for a {@link ReceiverSummary}. */
export function encodeMessageRecords(records: MessageRecords): EncodedMessageRecords {
  return {
    count: records.count,
    byteOrder: HOST_BYTE_ORDER,
    copies: toBase64(records.copies.subarray(0, records.count)),
    reordered: toBase64(records.reordered.subarray(0, records.count)),
    sentMs: toBase64(records.sentMs.subarray(0, records.count)),
    arrivalMs: toBase64(records.arrivalMs.subarray(0, records.count)),
  }
}

const HOST_BYTE_ORDER: 'LE' | 'BE' = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 'LE' : 'BE'

function toBase64(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64')
}

function fillFromBase64(target: Uint8Array | Float32Array, base64: string, name: string): void {
  const bytes = Buffer.from(base64, 'base64')
  if (bytes.length !== target.byteLength) {
    throw new InvalidArgumentError(
      `message records field ${name} holds ${bytes.length} bytes, not ${target.byteLength}`,
    )
  }
  new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(bytes)
}

function checkFormat(summary: ReceiverSummary): void {
  if (summary.format !== RECEIVER_SUMMARY_FORMAT) {
    throw new InvalidArgumentError(`not a receiver summary of format ${RECEIVER_SUMMARY_FORMAT}`)
  }
}

function summaryMoments(summary: ReceiverSummary): LatencyMomentsMs {
  return {
    minMs: summary.minLatencyMs,
    maxMs: summary.maxLatencyMs,
    meanMs: summary.meanLatencyMs,
    stddevMs: summary.stddevLatencyMs,
  }
}

function roundRate(perSecond: number): number {
  return Math.round(perSecond * 100) / 100
}
