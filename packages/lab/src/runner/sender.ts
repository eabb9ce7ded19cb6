import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { createEnvelopeBuffer, type Endpoint, monotonicMs, nowNs, writeEnvelope } from '@protolab/core'
import type { SentTally } from './intervals.js'
import { Pacer } from './pacer.js'

/** What {@link sendMessages} sends. */
export interface SendPlan {
  readonly session: number
  /** Messages to send at most; sequence numbers 0 to count - 1. */
  readonly count: number
  /** Payload bytes per message. */
  readonly size: number
  /** Messages per second; 0 = as fast as the transport takes them. */
  readonly rate: number
  /** Stop after this many ms even when `count` is not reached. */
  readonly durationMs: number | undefined
  /** Envelope flags of every message (ENVELOPE_FLAG_ECHO in round-trip mode). */
  readonly flags: number
  /** When given, the send time of message `seq` goes in `sentAtMs[seq]`, in ms after the first send. */
  readonly sentAtMs: Float64Array | undefined
  /** Stops sending (the result says how many went). */
  readonly signal: AbortSignal
  /** Counts each message sent per interval (`--interval`). */
  readonly tally?: SentTally | undefined
  /** Called about every {@link PROGRESS_INTERVAL_MS} while sending. */
  readonly onProgress?: (sent: number, elapsedMs: number) => void
}

/** How a send loop ended. */
export interface SendResult {
  /** Messages handed to the transport. */
  readonly sent: number
  /** Monotonic ns of the first send. */
  readonly startNs: number
  /** Why sending stopped early: the transport's error (a reset connection, an unreachable peer). */
  readonly error: unknown
}

/** How often the send loop reports progress and lets timers and IPC run. */
export const PROGRESS_INTERVAL_MS = 100
/** The loop yields to the event loop at least every this many messages. */
const YIELD_EVERY_MESSAGES = 1024

/**
 * Sends numbered envelopes over `endpoint`, paced by a {@link Pacer}. One buffer is filled once
 * and reused for every message (only the header is rewritten): a million messages allocate
 * nothing per message. Awaiting each `send` keeps the transport's backpressure.
 */
export async function sendMessages(endpoint: Endpoint, plan: SendPlan): Promise<SendResult> {
  const buffer = createEnvelopeBuffer(plan.size)
  const startNs = nowNs()
  const startMs = startNs / 1e6
  const pacer = new Pacer(plan.rate, startMs)
  let nextProgressMs = startMs + PROGRESS_INTERVAL_MS
  let sent = 0
  try {
    for (let seq = 0; seq < plan.count; seq++) {
      if (plan.signal.aborted) break
      if (plan.rate > 0) await pacer.waitFor(seq, monotonicMs(), plan.signal)
      const sentAtNs = seq === 0 ? startNs : nowNs()
      if (plan.durationMs !== undefined && sentAtNs / 1e6 - startMs >= plan.durationMs) break
      writeEnvelope(buffer, { session: plan.session, seq, sentAtNs, flags: plan.flags }, plan.size)
      if (plan.sentAtMs !== undefined) plan.sentAtMs[seq] = (sentAtNs - startNs) / 1e6
      await endpoint.send(buffer)
      sent++
      plan.tally?.count(sentAtNs)
      const nowMs = sentAtNs / 1e6
      if (nowMs >= nextProgressMs || (seq & (YIELD_EVERY_MESSAGES - 1)) === YIELD_EVERY_MESSAGES - 1) {
        if (nowMs >= nextProgressMs) {
          nextProgressMs = nowMs + PROGRESS_INTERVAL_MS
          plan.onProgress?.(sent, nowMs - startMs)
        }
        // Resolved sends chain as microtasks; let timers, IPC replies and socket reads run.
        await yieldToEventLoop()
      }
    }
  } catch (error) {
    if (plan.signal.aborted) return { sent, startNs, error: undefined }
    return { sent, startNs, error }
  }
  plan.onProgress?.(sent, monotonicMs() - startMs)
  return { sent, startNs, error: undefined }
}
