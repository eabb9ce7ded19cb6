import { attributeLoss, type LabMetrics, type LostBy } from '@protolab/core'
import type { RelayReport } from '../links/relay/relay.js'

/** The counters of one run on the proxy link that say where messages were dropped. */
export interface ProxyLinkDrops {
  /** What the relay counted, undefined without a relay. */
  readonly relay: RelayReport | undefined
  /** The receiver's socket and queue drops (and in round-trip mode, the sender's, of echoes). */
  readonly receiverBuffer: number | undefined
  /** Messages a sending side's kernel refused (echoes the receiver could not send back). */
  readonly sender: number | undefined
}

/**
 * Where each lost message of a run through the relay went (see core's {@link attributeLoss}):
 * UDP's loss-model drops are the impairment's; its full-queue drops and the relay's own socket
 * drops are the link's queue; for TCP, only a reset the relay made loses messages.
 */
export function proxyLinkLostBy(lost: number, drops: ProxyLinkDrops): LostBy {
  const relay = drops.relay
  let impairment = 0
  let linkQueue = relay?.socketDrops ?? 0
  if (relay !== undefined && 'dropped' in relay.toServer) {
    impairment = relay.toServer.dropped - relay.toServer.queueDropped
    linkQueue += relay.toServer.queueDropped
  } else if (relay !== undefined && 'resets' in relay.toServer && relay.toServer.resets > 0) {
    impairment = lost
  }
  return attributeLoss(lost, {
    impairment,
    linkQueue,
    receiverBuffer: drops.receiverBuffer,
    sender: drops.sender,
  })
}

/** `metrics` with `lostBy` placed right after `lost`, where a reader of the JSON looks for it. */
export function withLostBy(metrics: LabMetrics, lostBy: LostBy): LabMetrics & { readonly lostBy: LostBy } {
  const { sent, delivered, lost, ...rest } = metrics
  return { sent, delivered, lost, lostBy, ...rest }
}
