import { setTimeout as sleep } from 'node:timers/promises'
import type { DatagramImpairment, StreamImpairment } from '@protolab/core'
import {
  DEFAULT_REORDER_MAX_HOLD_MS,
  DEFAULT_RTO_MS,
  ENVELOPE_HEADER_BYTES,
  monotonicMs,
  tcpRecoveryTiming,
} from '@protolab/core'
import { labTransport } from '../transports/registry.js'
import type { CounterStatus } from './roles/counter.js'
import type { LabMode, LabTransportName } from './types.js'

/** When a run has finished arriving. */
export interface DrainPlan {
  /** Messages sent: once all of them arrived, only {@link settleMs} more is waited. */
  readonly sent: number
  /** The run is over once nothing of it arrived for this long. */
  readonly quietMs: number
  /** After everything arrived, wait this long for trailing duplicates. */
  readonly settleMs: number
  readonly signal: AbortSignal
  /**
   * How much the relay has moved so far (any count that grows while it reads, writes or drops), when
   * there is a relay: a relay still working is not quiet, however long the receiver saw nothing.
   */
  readonly relayMoved?: (() => Promise<number>) | undefined
}

/** The quiet time with no impairment: far above any loopback scheduling hiccup. */
const BASE_QUIET_MS = 300
/** How often the receiver is asked how far it got. */
const POLL_INTERVAL_MS = 20
/**
 * The most quiet time one poll can add. A longer gap between polls means the event loop (or a
 * child's) was busy, and the bytes in flight may not have been read yet: that gap is not silence.
 */
const MAX_QUIET_STEP_MS = 2 * POLL_INTERVAL_MS

/**
 * How long a run must be quiet before it is over: a base, plus whatever the relay may hold a
 * message for (twice the delay and jitter, the reorder hold, a stall, a modelled loss's probe and RTOs, the time one
 * message takes at the rate limit) and the transport's own recovery (KCP's retransmission timeouts), doubled in round-trip mode where messages cross twice.
 */
export function quietTimeMs(
  transport: LabTransportName,
  impairment: DatagramImpairment | StreamImpairment | undefined,
  size: number,
  mode: LabMode,
): number {
  if (impairment === undefined) return BASE_QUIET_MS
  let holdMs = 2 * ((impairment.delayMs ?? 0) + (impairment.jitterMs ?? 0))
  if (labTransport(transport).impairment === 'datagram') {
    const datagram = impairment as DatagramImpairment
    if ((datagram.reorder ?? 0) > 0) holdMs += datagram.reorderMaxHoldMs ?? DEFAULT_REORDER_MAX_HOLD_MS
  } else {
    const stream = impairment as StreamImpairment
    if ((stream.stallMs ?? 0) > 0) holdMs += 2 * (stream.stallMs ?? 0)
    if ((stream.loss ?? 0) > 0) {
      // A lost tail waits for its probe; a lost retransmission, for an RTO, then twice that.
      const recovery = tcpRecoveryTiming(stream.delayMs ?? 0, stream.rtoMs ?? DEFAULT_RTO_MS)
      holdMs += recovery.probeTimeoutMs + 2 * recovery.rtoMs
    }
  }
  holdMs += labTransport(transport).recoveryQuietMs(impairment)
  const rate = impairment.rateLimitBytesPerSec ?? 0
  if (rate > 0) holdMs += (4 * (ENVELOPE_HEADER_BYTES + size) * 1000) / rate
  return BASE_QUIET_MS + (mode === 'rtt' ? 2 : 1) * holdMs
}

/**
 * Waits until the run has arrived: everything sent was delivered (and {@link DrainPlan.settleMs}
 * passed), or nothing moved for {@link DrainPlan.quietMs}. Nothing moved means no message arrived
 * and the relay moved nothing; quiet time grows by at most {@link MAX_QUIET_STEP_MS} a poll, so a
 * busy event loop (a relay writing thousands of slices, timers run before socket reads) is not
 * taken for silence. Rejects when `status` does (a dead receiver) or when aborted.
 */
export async function drain(
  status: () => Promise<CounterStatus>,
  plan: DrainPlan,
  onPoll?: (status: CounterStatus) => void,
): Promise<CounterStatus> {
  // Quiet counts from the start of the drain at the earliest: a receiver that started long before
  // the first message (a slow relay start on a busy machine) has not gone quiet, it has not begun.
  let quietMs = 0
  let lastPollMs = monotonicMs()
  let lastArrivals = -1
  let lastRelayMoved = -1
  for (;;) {
    const [current, relayMoved] = await Promise.all([status(), plan.relayMoved?.() ?? Promise.resolve(0)])
    onPoll?.(current)
    const nowMs = monotonicMs()
    if (current.arrivals !== lastArrivals || relayMoved !== lastRelayMoved) {
      lastArrivals = current.arrivals
      lastRelayMoved = relayMoved
      quietMs = 0
    } else {
      quietMs += Math.min(nowMs - lastPollMs, MAX_QUIET_STEP_MS)
    }
    lastPollMs = nowMs
    if (current.delivered >= plan.sent && quietMs >= plan.settleMs) return current
    if (quietMs >= plan.quietMs) return current
    await sleep(POLL_INTERVAL_MS, undefined, { signal: plan.signal })
  }
}
