import type { Destination, Endpoint, OpenOptions, SocketAddress, Transport } from '@protolab/core'

/**
 * A TCP endpoint: a listener (`listen: true`, many peers) or a client (one connection to `peer`).
 * A listener's `send` needs `to` (one of `peers`); a client's `send` goes to its server.
 * It emits core's `connect`, `disconnect` and, when a peer half-closes, `end`.
 */
export interface TcpEndpoint extends Endpoint {
  /** Where this endpoint is bound (a listener) or connected from (a client): always known once open. */
  readonly localAddress: SocketAddress
  /**
   * Flushes what was sent to `peer`, ends our side and resolves once the connection is closed.
   * A client's only peer is its server, so there it is `close()`.
   * @throws NotConnectedError when `peer` is not connected.
   */
  closePeer(peer: Destination): Promise<void>
  /**
   * Half-closes the connection to `peer` (a client's is its server), as `shutdown(SHUT_WR)` and
   * nc's `-N` do: what was sent is flushed, then our FIN tells the peer nothing more will come,
   * while its messages keep arriving until it closes too. Resolves once the FIN is in the kernel.
   * @throws NotConnectedError when `peer` is not connected.
   */
  endSending(peer: Destination): Promise<void>
  /** Listener: connections closed at once because `maxConnections` were already open. Always 0 on a client. */
  readonly refusedConnections: number
}

/** A {@link Transport} over TCP whose endpoints are {@link TcpEndpoint}s. */
export interface TcpTransport extends Transport {
  open(options?: OpenOptions): Promise<TcpEndpoint>
}
