import type { Destination, Endpoint, EndpointEvents, OpenOptions, SocketAddress, Transport } from '@protolab/core'

/** Events of a TCP endpoint: core's `connect` and `disconnect`, plus the half-close of a peer. */
export interface TcpEndpointEvents extends EndpointEvents {
  /**
   * The peer ended its side (half-close): nothing more will come from it, but it can still be sent
   * to until `closePeer(peer)` (listener) or `close()`.
   */
  end: [peer: SocketAddress]
}

/**
 * A TCP endpoint: a listener (`listen: true`, many peers) or a client (one connection to `peer`).
 * A listener's `send` needs `to` (one of `peers`); a client's `send` goes to its server.
 */
export interface TcpEndpoint extends Endpoint {
  /**
   * Flushes what was sent to `peer`, ends our side and resolves once the connection is closed.
   * A client's only peer is its server, so there it is `close()`.
   * @throws NotConnectedError when `peer` is not connected.
   */
  closePeer(peer: Destination): Promise<void>
  /** Listener: connections closed at once because `maxConnections` were already open. Always 0 on a client. */
  readonly refusedConnections: number
  on<K extends keyof TcpEndpointEvents>(event: K, listener: (...args: TcpEndpointEvents[K]) => void): this
  once<K extends keyof TcpEndpointEvents>(event: K, listener: (...args: TcpEndpointEvents[K]) => void): this
  off<K extends keyof TcpEndpointEvents>(event: K, listener: (...args: TcpEndpointEvents[K]) => void): this
}

/** A {@link Transport} over TCP whose endpoints are {@link TcpEndpoint}s. */
export interface TcpTransport extends Transport {
  open(options?: OpenOptions): Promise<TcpEndpoint>
}
