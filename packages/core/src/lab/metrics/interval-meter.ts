import type { Histogram } from 'hdr-histogram-js'
import { InvalidArgumentError } from '../../errors.js'
import { createMicrosecondHistogram, recordNanoseconds } from './histogram.js'
import { LatencyMoments } from './latency-moments.js'
import { latencyPercentilesMs, roundMs } from './latency-percentiles.js'

/**
 * One interval of a run, as iperf3's `-i` reports them: what arrived between `startMs` and `endMs`
 * (ms after the run's first send). `sent` is filled in by the sending side.
 */
export interface LabInterval {
  readonly startMs: number
  readonly endMs: number
  /** Messages sent in the interval; 0 until the sending side fills it in. */
  readonly sent: number
  /** Distinct sequence numbers that first arrived in the interval. */
  readonly delivered: number
  /**
   * Sequence numbers the interval's arrivals skipped over, less those that arrived late (as
   * iperf3's server counts its lost datagrams), never below 0. The runner adds to the last
   * interval the messages sent after the last one that arrived.
   */
  readonly lost: number
  /** First copies that arrived in the interval after a higher sequence number. */
  readonly reordered: number
  /** Payload bits of the interval's deliveries over the interval's length. */
  readonly bitsPerSec: number
  /** Latency of the interval's deliveries, ms; 0 when none arrived. */
  readonly p50Ms: number
  readonly p99Ms: number
  /**
   * TCP over a kernel or packet link (or between hosts): segments the sender's kernel retransmitted
   * during the interval, from its connection's TCP_INFO read once per interval; absent when unknown.
   */
  readonly retransmits?: number
  /** With `retransmits`: the sender's congestion window, in segments, when the interval was read. */
  readonly cwnd?: number
}

/**
 * Cuts a receiver's deliveries into intervals of `intervalMs` from `originNs` (the run's first
 * send, on the same monotonic clock as arrival times), by arrival time, in O(1) per message and
 * one histogram for the open interval. Intervals close as later arrivals or {@link closeUpTo} pass
 * their end, and are taken with {@link take}.
 */
export class IntervalMeter {
  private readonly intervalNs: number
  private index = 0
  private readonly histogram: Histogram = createMicrosecondHistogram()
  private moments = new LatencyMoments()
  private delivered = 0
  private reordered = 0
  private payloadBytes = 0
  private highestSeqPlusOne = 0
  private deliveredSoFar = 0
  private lostSoFar = 0
  private lastArrivalNs = 0
  private readonly closed: LabInterval[] = []

  constructor(
    private readonly originNs: number,
    intervalMs: number,
  ) {
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
      throw new InvalidArgumentError(`intervalMs must be a number above 0, got ${String(intervalMs)}`)
    }
    this.intervalNs = intervalMs * 1e6
  }

  /**
   * Accounts one first copy of `seq` that arrived at `arrivalNs`: reordered when a higher sequence
   * number arrived before it (RFC 4737).
   */
  add(seq: number, sentAtNs: number, arrivalNs: number, payloadLength: number): void {
    this.closeUpTo(arrivalNs)
    this.delivered++
    if (seq < this.highestSeqPlusOne) this.reordered++
    if (arrivalNs > this.lastArrivalNs) this.lastArrivalNs = arrivalNs
    this.payloadBytes += payloadLength
    if (seq >= this.highestSeqPlusOne) this.highestSeqPlusOne = seq + 1
    const latencyNs = arrivalNs - sentAtNs
    recordNanoseconds(this.histogram, latencyNs)
    this.moments.add(latencyNs)
  }

  /** Closes every interval that ended at or before `nowNs` (empty ones too). */
  closeUpTo(nowNs: number): void {
    while (nowNs >= this.originNs + (this.index + 1) * this.intervalNs) this.close(this.intervalNs)
  }

  /** Closes the open interval at the last arrival, however short it is; nothing stays open. */
  finish(): void {
    if (this.lastArrivalNs === 0) return
    const endNs = this.lastArrivalNs
    this.closeUpTo(endNs)
    const lengthNs = endNs - (this.originNs + this.index * this.intervalNs)
    if (lengthNs > 0 || this.delivered > 0) this.close(Math.max(lengthNs, 1))
  }

  /** The intervals closed since the last call, oldest first. */
  take(): LabInterval[] {
    return this.closed.splice(0)
  }

  private close(lengthNs: number): void {
    this.deliveredSoFar += this.delivered
    const lostSoFar = Math.max(0, this.highestSeqPlusOne - this.deliveredSoFar)
    const lost = Math.max(0, lostSoFar - this.lostSoFar)
    this.lostSoFar = lostSoFar
    const startNs = this.index * this.intervalNs
    const latency = latencyPercentilesMs(this.histogram, this.moments.ms(), this.delivered)
    this.closed.push({
      startMs: roundMs(startNs / 1e6),
      endMs: roundMs((startNs + lengthNs) / 1e6),
      sent: 0,
      delivered: this.delivered,
      lost,
      reordered: this.reordered,
      bitsPerSec: Math.round((this.payloadBytes * 8 * 1e9) / lengthNs),
      p50Ms: latency.p50,
      p99Ms: latency.p99,
    })
    this.index++
    this.histogram.reset()
    this.moments = new LatencyMoments()
    this.delivered = 0
    this.reordered = 0
    this.payloadBytes = 0
  }
}
