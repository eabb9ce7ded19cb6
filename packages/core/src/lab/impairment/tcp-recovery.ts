/**
 * The timing of Linux TCP's loss recovery, for the relay's modelled stream loss: which event
 * recovers a lost segment, and when its retransmission leaves. Pure arithmetic, no state.
 *
 * - **RACK / fast retransmit.** When a segment sent after the lost one is delivered, its SACK comes
 *   back one RTT after it was sent; the lost segment is marked lost once that SACK is in and a
 *   reordering window (RTT/4) has passed since the lost segment's own RTT elapsed (RFC 8985), or
 *   at once when a third such SACK comes first (the duplicate-ACK threshold Linux keeps while it
 *   has seen no reordering). A lost retransmission is found the same way, with no window.
 * - **Tail-loss probe.** When nothing delivered follows (the tail of a burst), a probe re-sends
 *   the last segment 2 × SRTT (plus the kernel's two-tick floor) after the last transmission; its
 *   SACK reveals the other lost segments one RTT later.
 * - **RTO.** A lost retransmission (or a lost probe) is found by RACK like any segment when
 *   something sent after it gets through; when nothing does, it waits for the retransmission
 *   timeout, SRTT + the minimum RTO (Linux: `srtt + max(rttvar, rto_min)`), which doubles for each
 *   further loss.
 */
export interface TcpRecoveryTiming {
  /** The round trip of a segment and its ACK: the delay both ways plus {@link RTT_FLOOR_MS}. */
  readonly rttMs: number
  /** RACK's reordering window: RTT/4. */
  readonly reorderWindowMs: number
  /** The tail-loss probe timeout: 2 × SRTT + {@link TLP_FLOOR_MS}. */
  readonly probeTimeoutMs: number
  /** The first retransmission timeout: SRTT + the minimum RTO. */
  readonly rtoMs: number
}

/** The round trip of loopback and a relay in between, added to twice the one-way delay. */
export const RTT_FLOOR_MS = 0.5
/** What Linux adds to 2 × SRTT for a probe timeout (`TCP_TIMEOUT_MIN`, two timer ticks). */
export const TLP_FLOOR_MS = 2
/**
 * SACKs after a lost segment that have it re-sent at once, without waiting for the reordering
 * window (Linux's RACK, while it has seen no reordering, keeps the duplicate-ACK threshold of 3).
 */
export const DUPLICATE_ACK_THRESHOLD = 3
/** Linux's longest RTO (`TCP_RTO_MAX`): the doubling stops here. */
export const RTO_MAX_MS = 120_000
/** Lost retransmissions of one segment the model draws at most (Linux gives up after 15, `tcp_retries2`). */
export const MAX_LOST_RETRANSMISSIONS = 15

/** The recovery timing of a path with `oneWayDelayMs` each way and a minimum RTO of `minRtoMs`. */
export function tcpRecoveryTiming(oneWayDelayMs: number, minRtoMs: number): TcpRecoveryTiming {
  const rttMs = 2 * oneWayDelayMs + RTT_FLOOR_MS
  return {
    rttMs,
    reorderWindowMs: rttMs / 4,
    probeTimeoutMs: 2 * rttMs + TLP_FLOOR_MS,
    rtoMs: rttMs + minRtoMs,
  }
}

/**
 * When RACK's reordering timer re-sends a segment sent at `lostSentMs`, given that a segment sent
 * later, at `laterSentMs`, was delivered: once its SACK is in and the window has passed.
 */
export function rackRetransmitMs(
  timing: TcpRecoveryTiming,
  lostSentMs: number,
  laterSentMs: number,
  reorderWindowMs = timing.reorderWindowMs,
): number {
  return Math.max(laterSentMs + timing.rttMs, lostSentMs + timing.rttMs + reorderWindowMs)
}
