import type { Histogram } from 'hdr-histogram-js'
import { InvalidArgumentError } from '../../errors.js'
import type { EnvelopeReadResult } from '../envelope.js'
import { ArrivalSampler } from './arrival-sample.js'
import { growFloat32, growFloat64, growUint8 } from './growable.js'
import { createMicrosecondHistogram, encodeHistogram, recordNanoseconds } from './histogram.js'
import type { LabMetrics } from './lab-metrics.js'
import { LatencyMoments } from './latency-moments.js'
import {
  encodeMessageRecords,
  labMetricsFromSummary,
  type MessageRecords,
  RECEIVER_SUMMARY_FORMAT,
  type ReceiverSummary,
  type Stall,
} from './receiver-summary.js'
import { ReorderTracker } from './reorder-tracker.js'

/** Construction options of {@link ReceiverMetrics}. */
export interface ReceiverMetricsInit {
  /** Messages expected (the run's `--count`): sizes the per-message arrays up front. Default 1024; they grow by doubling. */
  readonly expectedMessages?: number
  /**
   * Sequence numbers at or above this are counted as foreign, which bounds memory whatever a peer
   * sends: 10 bytes per sequence number (plus up to 8 for reordering). Default 16,777,216.
   */
  readonly maxMessages?: number
  /** The smallest gap between deliveries that can count as a stall, in ms. Default 50. */
  readonly stallFloorMs?: number
  /** Points kept for the sequence-vs-arrival plot (see {@link ArrivalSampler}). Default 10,000. */
  readonly arrivalSampleSize?: number
}

/** Options of {@link ReceiverMetrics.summary}. */
export interface ReceiverSummaryOptions {
  /** Include the per-message records (10 bytes per sequence number, base64). Default true. */
  readonly messages?: boolean
}

const DEFAULT_EXPECTED_MESSAGES = 1024
const DEFAULT_MAX_MESSAGES = 16_777_216
const DEFAULT_STALL_FLOOR_MS = 50
const DEFAULT_ARRIVAL_SAMPLE_SIZE = 10_000
/** A stall is a gap this many times the median gap (and at least the floor). */
const STALL_MEDIAN_FACTOR = 10
/**
 * Gaps of at least the floor kept to count stalls once the median is known. Their total is at most
 * the run's length, so at a 50 ms floor the cap is reached only after 80 minutes of gaps.
 */
const MAX_STALL_CANDIDATES = 100_000

/**
 * Accounts for every message a lab receiver (or an echoing sender) gets, in O(1) per message and
 * typed arrays only: no object per message, so a million messages take about 10 MB (18 MB
 * with the records of reordering). Feed it each
 * {@link readEnvelope} result with its arrival time, then take {@link result} or {@link summary}.
 * Definitions of every number are on {@link LabMetrics}.
 */
export class ReceiverMetrics {
  private copies: Uint8Array
  private reorderedFlags: Uint8Array
  private sentMs: Float32Array
  private arrivalMs: Float32Array
  private highestSeqPlusOne = 0
  private readonly maxMessages: number
  private readonly stallFloorMs: number
  private readonly reorder: ReorderTracker
  private readonly sampler: ArrivalSampler
  private readonly latency: Histogram = createMicrosecondHistogram()
  private readonly gaps: Histogram = createMicrosecondHistogram()
  private stallCandidates: Float64Array = new Float64Array(64)
  private stallCandidateCount = 0
  private deliveredCount = 0
  private duplicateCount = 0
  private corruptCount = 0
  private foreignCount = 0
  private payloadBytes = 0
  private originNs = 0
  private firstSentNs = Number.POSITIVE_INFINITY
  private lastArrivalNs = 0
  private previousTransitNs = 0
  private readonly moments = new LatencyMoments()
  private jitterMs = 0

  constructor(init: ReceiverMetricsInit = {}) {
    const expected = init.expectedMessages ?? DEFAULT_EXPECTED_MESSAGES
    this.maxMessages = init.maxMessages ?? DEFAULT_MAX_MESSAGES
    this.stallFloorMs = init.stallFloorMs ?? DEFAULT_STALL_FLOOR_MS
    requirePositiveInteger('maxMessages', this.maxMessages)
    if (!Number.isInteger(expected) || expected < 0) {
      throw new InvalidArgumentError(
        `expectedMessages must be a non-negative integer, got ${String(expected)}`,
      )
    }
    if (!(this.stallFloorMs >= 1) || !Number.isFinite(this.stallFloorMs)) {
      throw new InvalidArgumentError(
        `stallFloorMs must be a number of at least 1, got ${String(this.stallFloorMs)}`,
      )
    }
    const capacity = Math.max(16, Math.min(expected, this.maxMessages))
    this.copies = new Uint8Array(capacity)
    this.reorderedFlags = new Uint8Array(capacity)
    this.sentMs = new Float32Array(capacity).fill(Number.NaN)
    this.arrivalMs = new Float32Array(capacity).fill(Number.NaN)
    this.reorder = new ReorderTracker(capacity)
    this.sampler = new ArrivalSampler(init.arrivalSampleSize ?? DEFAULT_ARRIVAL_SAMPLE_SIZE)
  }

  /** Distinct sequence numbers received so far. */
  get delivered(): number {
    return this.deliveredCount
  }

  /** Copies beyond the first received so far. */
  get duplicates(): number {
    return this.duplicateCount
  }

  /** Corrupted messages so far. */
  get corrupted(): number {
    return this.corruptCount
  }

  /** Foreign messages so far. */
  get foreign(): number {
    return this.foreignCount
  }

  /** Accounts one {@link readEnvelope} result that arrived at `arrivalNs` (monotonic ns, as `nowNs()`). */
  record(envelope: EnvelopeReadResult, arrivalNs: number): void {
    if (envelope.kind === 'ok')
      this.recordMessage(envelope.seq, envelope.sentAtNs, arrivalNs, envelope.payloadLength)
    else if (envelope.kind === 'corrupt') this.corruptCount++
    else this.foreignCount++
  }

  /** Accounts one intact message of this session. */
  recordMessage(seq: number, sentAtNs: number, arrivalNs: number, payloadLength: number): void {
    if (!(seq >= 0 && seq < this.maxMessages)) {
      this.foreignCount++
      return
    }
    if (seq >= this.copies.length) this.grow(seq + 1)
    const copies = this.copies[seq]!
    if (this.deliveredCount === 0) this.originNs = sentAtNs
    const arrivalOffsetMs = (arrivalNs - this.originNs) / 1e6
    if (copies > 0) {
      this.duplicateCount++
      if (copies < 255) this.copies[seq] = copies + 1
      this.sampler.add(seq, arrivalOffsetMs, true)
      return
    }
    this.copies[seq] = 1
    if (seq >= this.highestSeqPlusOne) this.highestSeqPlusOne = seq + 1
    this.sentMs[seq] = (sentAtNs - this.originNs) / 1e6
    this.arrivalMs[seq] = arrivalOffsetMs
    this.sampler.add(seq, arrivalOffsetMs, false)
    if (this.reorder.observe(seq) > 0) this.reorderedFlags[seq] = 1

    const transitNs = arrivalNs - sentAtNs
    recordNanoseconds(this.latency, transitNs)
    this.moments.add(transitNs)
    if (this.deliveredCount > 0) {
      const difference = Math.abs(transitNs - this.previousTransitNs) / 1e6
      this.jitterMs += (difference - this.jitterMs) / 16
      const gapNs = arrivalNs - this.lastArrivalNs
      recordNanoseconds(this.gaps, gapNs)
      if (gapNs >= this.stallFloorMs * 1e6) this.addStallCandidate(arrivalOffsetMs, gapNs / 1e6)
    }
    this.previousTransitNs = transitNs
    if (sentAtNs < this.firstSentNs) this.firstSentNs = sentAtNs
    if (arrivalNs > this.lastArrivalNs) this.lastArrivalNs = arrivalNs
    this.payloadBytes += payloadLength
    this.deliveredCount++
  }

  /** Accounts a message with the lab's magic but a bad CRC or length. */
  recordCorrupt(): void {
    this.corruptCount++
  }

  /** Accounts a message that is not this session's. */
  recordForeign(): void {
    this.foreignCount++
  }

  /** The run's metrics, given how many messages the sender sent. */
  result(sent: number): LabMetrics {
    return labMetricsFromSummary(this.summary({ messages: false }), sent)
  }

  /** Everything measured, as JSON-safe data for another process (see {@link ReceiverSummary}). */
  summary(options: ReceiverSummaryOptions = {}): ReceiverSummary {
    const medianGapMs = this.gaps.totalCount === 0 ? 0 : this.gaps.getValueAtPercentile(50) / 1000
    const stallThresholdMs = Math.max(STALL_MEDIAN_FACTOR * medianGapMs, this.stallFloorMs)
    const stalls: Stall[] = []
    for (let i = 0; i < this.stallCandidateCount; i++) {
      const gapMs = this.stallCandidates[2 * i + 1]!
      if (gapMs > stallThresholdMs) stalls.push({ atMs: this.stallCandidates[2 * i]!, gapMs })
    }
    const delivered = this.deliveredCount
    const moments = this.moments.ms()
    const summary: ReceiverSummary = {
      format: RECEIVER_SUMMARY_FORMAT,
      delivered,
      duplicates: this.duplicateCount,
      reordered: this.reorder.reordered,
      maxReorderExtent: this.reorder.maxExtent,
      corrupted: this.corruptCount,
      foreign: this.foreignCount,
      payloadBytes: this.payloadBytes,
      jitterMs: this.jitterMs,
      durationMs: delivered === 0 ? 0 : (this.lastArrivalNs - this.firstSentNs) / 1e6,
      originNs: this.originNs,
      latencyHistogram: encodeHistogram(this.latency),
      maxLatencyMs: moments.maxMs,
      minLatencyMs: moments.minMs,
      meanLatencyMs: moments.meanMs,
      stddevLatencyMs: moments.stddevMs,
      medianGapMs,
      stallThresholdMs,
      stalls,
      arrivals: this.sampler.sample(),
    }
    if (options.messages === false) return summary
    return { ...summary, messages: encodeMessageRecords(this.messageRecords()) }
  }

  /**
   * The per-message records as live views (no copy): index `seq` of each array describes that
   * sequence number, up to the highest received. Valid until the next `record*` call.
   */
  messageRecords(): MessageRecords {
    const count = this.highestSeqPlusOne
    return {
      count,
      copies: this.copies.subarray(0, count),
      reordered: this.reorderedFlags.subarray(0, count),
      sentMs: this.sentMs.subarray(0, count),
      arrivalMs: this.arrivalMs.subarray(0, count),
    }
  }

  private grow(needed: number): void {
    const capacity = Math.min(this.maxMessages, needed)
    this.copies = growUint8(this.copies, capacity)
    this.reorderedFlags = growUint8(this.reorderedFlags, capacity)
    this.sentMs = growFloat32(this.sentMs, capacity)
    this.arrivalMs = growFloat32(this.arrivalMs, capacity)
  }

  private addStallCandidate(atMs: number, gapMs: number): void {
    if (this.stallCandidateCount === MAX_STALL_CANDIDATES) return
    const index = 2 * this.stallCandidateCount
    if (index + 2 > this.stallCandidates.length) {
      this.stallCandidates = growFloat64(this.stallCandidates, index + 2)
    }
    this.stallCandidates[index] = atMs
    this.stallCandidates[index + 1] = gapMs
    this.stallCandidateCount++
  }
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}`)
  }
}
