import type { PeerClosingEndpoint } from '../access/filtered-endpoint.js'
import type { Endpoint, SocketAddress } from '../transport/types.js'

/**
 * Closes one peer's connection, flushing what was sent to it, without waiting; a peer already
 * gone is fine. Endpoints with no connections (UDP) have nothing to close.
 */
export function closePeer(endpoint: Endpoint, peer: SocketAddress): void {
  const closing = endpoint as Partial<Pick<PeerClosingEndpoint, 'closePeer'>>
  closing.closePeer?.(peer).catch(() => {})
}
