import {
  ENVELOPE_FLAG_ECHO,
  IntervalMeter,
  type LabInterval,
  monotonicMs,
  ReceiverMetrics,
  type ReceiverSummary,
  readEnvelope,
} from '@protolab/core'
import type { LabEndpoint } from './endpoints.js'

/** A counter's progress, polled while a run drains. */
export interface CounterStatus {
  /** Distinct sequence numbers received intact. */
  readonly delivered: number
  /** Intact messages of the session received, copies included: what "going quiet" watches. */
  readonly arrivals: number
  /** Milliseconds since the last intact message of the session arrived (since the start when none did). */
  readonly quietMs: number
}

/** Construction options of a {@link MessageCounter}. */
export interface MessageCounterInit {
  /** Envelopes of another session are foreign. */
  readonly session: number
  /** Messages expected: sizes the metrics' arrays up front. */
  readonly expectedMessages: number
  /** Send every envelope flagged for echo back to whoever sent it (the receiver in round-trip mode). */
  readonly echo: boolean
}

/**
 * Reads lab messages from an endpoint until it closes and accounts for each in core's
 * {@link ReceiverMetrics}: the receiver's loop, and the sender's loop over echoes in round-trip mode.
 */
export class MessageCounter {
  private readonly metrics: ReceiverMetrics
  private lastArrivalMs = monotonicMs()
  private failedEchoes = 0
  private intervals: IntervalMeter | undefined
  /** Resolves once the endpoint has closed and every message was counted. */
  readonly done: Promise<void>

  constructor(
    private readonly endpoint: LabEndpoint,
    private readonly init: MessageCounterInit,
  ) {
    this.metrics = new ReceiverMetrics({ expectedMessages: init.expectedMessages })
    this.done = this.count()
  }

  status(): CounterStatus {
    return {
      delivered: this.metrics.delivered,
      arrivals: this.metrics.delivered + this.metrics.duplicates,
      quietMs: monotonicMs() - this.lastArrivalMs,
    }
  }

  /** Echoes that could not be sent back. */
  get echoFailures(): number {
    return this.failedEchoes
  }

  /** Starts cutting deliveries into intervals of `intervalMs` from `originNs` (the run's first send). */
  startIntervals(originNs: number, intervalMs: number): void {
    this.intervals = new IntervalMeter(originNs, intervalMs)
  }

  /**
   * The intervals closed by `nowNs` (monotonic ns) since the last call; with `final`, the open
   * one too, up to the last arrival. Empty when intervals were not started.
   */
  takeIntervals(nowNs: number, final = false): LabInterval[] {
    if (this.intervals === undefined) return []
    if (final) this.intervals.finish()
    else this.intervals.closeUpTo(nowNs)
    return this.intervals.take()
  }

  /** Everything measured; `messages` adds the per-message records. */
  summary(messages: boolean): ReceiverSummary {
    return this.metrics.summary({ messages })
  }

  private async count(): Promise<void> {
    const { session, echo } = this.init
    try {
      for await (const message of this.endpoint) {
        const envelope = readEnvelope(message.payload, session)
        // receivedAt was taken when the bytes came off the socket, before any queueing here.
        const delivered = this.metrics.delivered
        this.metrics.record(envelope, message.receivedAt * 1e6)
        if (envelope.kind !== 'ok') continue
        if (this.intervals !== undefined && this.metrics.delivered > delivered) {
          const { seq, sentAtNs, payloadLength } = envelope
          this.intervals.add(seq, sentAtNs, message.receivedAt * 1e6, payloadLength)
        }
        this.lastArrivalMs = monotonicMs()
        if (echo && (envelope.flags & ENVELOPE_FLAG_ECHO) !== 0) {
          try {
            await this.endpoint.send(message.payload, message.from)
          } catch {
            this.failedEchoes++
          }
        }
      }
    } catch {
      // The endpoint failed (a TCP peer reset it): what was counted stays, and the run reports it.
    }
  }
}
