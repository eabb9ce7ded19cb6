import { attributeLoss } from '@protolab/core'
import type { LabRun } from '../../runner/types.js'
import { labTransport } from '../../transports/registry.js'
import type { PacketLinkCounts } from './counts.js'

/**
 * A packet link run with the link's own counts in its `lostBy`. For a datagram transport without
 * ARQ (UDP), a lab message is one datagram, and at lab sizes up to the MTU one datagram is one
 * frame: each data frame the impairment dropped, or corrupted so that the receiving kernel dropped
 * it at its checksum, is one message lost by the impairment; each one the rate limit's queue
 * dropped, or the link's own path lost, one lost in the link's queue. Round trip, the echoes'
 * frames (backward) count too. The receiver's socket buffer drops stay as the counting side read
 * them. Above the MTU a datagram crosses as several IP fragments and the frame counts can pass the
 * messages lost; every value is capped so that `lostBy` still adds up to `lost`. A reliable
 * transport (TCP, KCP) recovers what the link dropped, so its `lostBy` is left as it is.
 */
export function withPacketLinkLosses(run: LabRun, counts: PacketLinkCounts): LabRun {
  if (labTransport(run.transport).semantics.reliable || run.lostBy === undefined) return run
  const { forward, backward } = counts
  const echoes = run.mode === 'rtt'
  const impairment = forward.lost + (echoes ? backward.lost : 0) + counts.udpChecksumErrors
  const linkQueue = forward.queueDrops + (echoes ? backward.queueDrops : 0) + counts.pathDrops
  return {
    ...run,
    lostBy: attributeLoss(run.lost, {
      sender: run.lostBy.sender,
      impairment,
      linkQueue,
      receiverBuffer: run.lostBy.receiverBuffer,
    }),
  }
}
