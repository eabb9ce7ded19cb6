import type { Endpoint, SocketAddress } from '@protolab/core'
import type { TcpEndpoint } from '@protolab/tcp'

/**
 * Closes one TCP peer's connection, flushing what was sent to it, without waiting; a peer already
 * gone is fine. Endpoints with no connections (UDP) have nothing to close.
 */
export function closePeer(endpoint: Endpoint, peer: SocketAddress): void {
  const tcpEndpoint = endpoint as Partial<Pick<TcpEndpoint, 'closePeer'>>
  tcpEndpoint.closePeer?.(peer).catch(() => {})
}
