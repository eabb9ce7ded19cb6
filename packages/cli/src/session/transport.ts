import type { FramingName, Transport } from '@protolab/core'
import type { MessageTransportName } from '../options/transport.js'

/** How the command line sets up a transport. */
export interface TransportSettings {
  /** TCP: how messages are cut out of the stream. (UDP: see `datagram-framing.ts`.) */
  readonly framing: FramingName
  /** UDP: longest datagram read whole (longer ones are truncated and marked); TCP: longest frame. */
  readonly maxMessageBytes?: number
  /** UDP: allow sending to a broadcast address. */
  readonly broadcast?: boolean
  /** TCP and KCP listener: most peers connected at once. */
  readonly maxConnections?: number
  /** TCP and KCP: disconnect a peer silent for this long; 0 = never. */
  readonly idleTimeoutMs?: number
}

/** Creates the transport `name`, importing its package only now, so that help and usage errors stay fast. */
export async function createTransport(
  name: MessageTransportName,
  settings: TransportSettings,
): Promise<Transport> {
  if (name === 'udp') {
    const { udp } = await import('@protolab/udp')
    return udp({
      ...(settings.maxMessageBytes === undefined ? {} : { maxMessageBytes: settings.maxMessageBytes }),
      ...(settings.broadcast ? { broadcast: true } : {}),
    })
  }
  if (name === 'kcp') {
    const { kcp } = await import('@protolab/kcp')
    return kcp({
      ...(settings.maxConnections === undefined ? {} : { maxConnections: settings.maxConnections }),
      ...(settings.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: settings.idleTimeoutMs }),
    })
  }
  const { tcp } = await import('@protolab/tcp')
  return tcp({
    framing: settings.framing,
    ...(settings.maxMessageBytes === undefined ? {} : { maxFrameBytes: settings.maxMessageBytes }),
    ...(settings.maxConnections === undefined ? {} : { maxConnections: settings.maxConnections }),
    ...(settings.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: settings.idleTimeoutMs }),
  })
}
