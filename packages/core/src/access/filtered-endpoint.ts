import { EventEmitter } from 'node:events'
import type { ProtolabError } from '../errors.js'
import type {
  Destination,
  Endpoint,
  EndpointEvents,
  Message,
  Semantics,
  SocketAddress,
} from '../transport/types.js'
import type { AccessList } from './access-list.js'

/**
 * What a connection-oriented listener adds to an {@link Endpoint} (`@protolab/tcp`'s TcpEndpoint
 * has it): closing one peer, half-closing it (nc's `-N`), and the count of connections refused
 * over its maximum.
 */
export interface PeerClosingEndpoint extends Endpoint {
  readonly localAddress: SocketAddress
  closePeer(peer: Destination): Promise<void>
  /** Ends our sending to `peer` (a FIN) while its bytes keep arriving. */
  endSending(peer: Destination): Promise<void>
  readonly refusedConnections: number
}

/** Told of every refusal: the peer, and why (`not in --allow`, `denied by --deny 10.0.0.0/8`). */
export type RefusalListener = (peer: SocketAddress, reason: string) => void

/** Which peers a {@link FilteredEndpoint} lets through, and what its reader sees of their messages. */
export interface EndpointFilter {
  /** Why `peer` is refused, or undefined when it may talk. */
  reasonRefused(peer: SocketAddress): string | undefined
  /** Told of every refusal: each datagram, or each connection (closed as soon as it is accepted). */
  readonly onRefused?: RefusalListener
  /**
   * A message from an allowed peer, as the reader is to see it, or undefined to keep it from the
   * reader (a session's hello). Without it every allowed message is read as it came.
   */
  readonly admit?: (message: Message) => Message | undefined
}

/**
 * The one endpoint wrapper that hides peers: whoever reads it never sees a refused peer, not its
 * messages, nor its connect, end or disconnect. Over a connection-oriented transport a refused
 * connection is closed as soon as it is accepted, before anything it sent is read; over a
 * connectionless one each datagram from a refused peer is dropped. Both are counted in
 * {@link refused}. Used by the allow/deny guard ({@link guardEndpoint}) and the lab's sessions.
 */
export class FilteredEndpoint<E extends Endpoint = Endpoint>
  extends EventEmitter<EndpointEvents>
  implements Endpoint
{
  #refused = 0

  constructor(
    protected readonly inner: E,
    private readonly filter: EndpointFilter,
  ) {
    super()
    // `end` belongs to connection-oriented endpoints; the base Endpoint's emitter does not know its name.
    const emitter = inner as unknown as { on(event: 'end', listener: (peer: SocketAddress) => void): void }
    inner.on('connect', this.#onConnect)
    inner.on('disconnect', this.#onDisconnect)
    emitter.on('end', this.#onEnd)
  }

  /** Connections (connection-oriented) or datagrams (connectionless) refused so far. */
  get refused(): number {
    return this.#refused
  }

  get semantics(): Semantics {
    return this.inner.semantics
  }

  get localAddress(): SocketAddress | undefined {
    return this.inner.localAddress
  }

  get remoteAddress(): SocketAddress | undefined {
    return this.inner.remoteAddress
  }

  get peers(): readonly SocketAddress[] {
    return this.inner.peers.filter((peer) => this.#allows(peer))
  }

  get closed(): boolean {
    return this.inner.closed
  }

  send(payload: Uint8Array, to?: Destination): Promise<void> {
    return this.inner.send(payload, to)
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    const connectionOriented = this.inner.semantics.connectionOriented
    for await (const message of this.inner) {
      if (this.#allows(message.from)) {
        const admitted = this.filter.admit === undefined ? message : this.filter.admit(message)
        if (admitted !== undefined) yield admitted
      } else if (!connectionOriented) {
        this.#refuse(message.from)
      }
      // A refused connection was closed (and counted) when it connected: nothing of it is read.
    }
  }

  #allows(peer: SocketAddress): boolean {
    return this.filter.reasonRefused(peer) === undefined
  }

  #refuse(peer: SocketAddress): void {
    this.#refused++
    this.filter.onRefused?.(peer, this.filter.reasonRefused(peer) ?? 'refused')
  }

  readonly #onConnect = (peer: SocketAddress): void => {
    if (this.#allows(peer)) {
      this.emit('connect', peer)
      return
    }
    if (!this.inner.semantics.connectionOriented) return // the datagram itself is counted
    this.#refuse(peer)
    // Called while the listener accepts it: the connection closes before any of its data is read.
    const closePeer = (this.inner as Partial<PeerClosingEndpoint>).closePeer
    void closePeer?.call(this.inner, peer).catch(() => {})
  }

  readonly #onDisconnect = (peer: SocketAddress, error?: ProtolabError): void => {
    if (this.#allows(peer)) this.emit('disconnect', peer, error)
  }

  readonly #onEnd = (peer: SocketAddress): void => {
    if (this.#allows(peer)) this.emit('end', peer)
  }
}

/** A filtered connection-oriented endpoint: still a {@link PeerClosingEndpoint}. */
class FilteredPeerClosingEndpoint
  extends FilteredEndpoint<PeerClosingEndpoint>
  implements PeerClosingEndpoint
{
  override get localAddress(): SocketAddress {
    return this.inner.localAddress
  }

  /** Connections closed at once because `maxConnections` were open (the filter's refusals are {@link refused}). */
  get refusedConnections(): number {
    return this.inner.refusedConnections
  }

  closePeer(peer: Destination): Promise<void> {
    return this.inner.closePeer(peer)
  }

  endSending(peer: Destination): Promise<void> {
    return this.inner.endSending(peer)
  }
}

/**
 * Puts an {@link AccessList} in front of a listening endpoint (a {@link FilteredEndpoint}); with no
 * rules the endpoint is returned as it is.
 */
export function guardEndpoint(
  endpoint: PeerClosingEndpoint,
  access: AccessList,
  onRefused?: RefusalListener,
): PeerClosingEndpoint
export function guardEndpoint(endpoint: Endpoint, access: AccessList, onRefused?: RefusalListener): Endpoint
export function guardEndpoint(
  endpoint: Endpoint,
  access: AccessList,
  onRefused: RefusalListener = () => {},
): Endpoint {
  if (!access.restricts) return endpoint
  const filter: EndpointFilter = {
    reasonRefused: (peer) => access.reasonRefused(peer.address),
    onRefused,
  }
  return isPeerClosing(endpoint)
    ? new FilteredPeerClosingEndpoint(endpoint, filter)
    : new FilteredEndpoint(endpoint, filter)
}

/** The number of peers (connections, datagrams) an endpoint from {@link guardEndpoint} refused; 0 for any other. */
export function refusedByAccessList(endpoint: Endpoint): number {
  return endpoint instanceof FilteredEndpoint ? endpoint.refused : 0
}

function isPeerClosing(endpoint: Endpoint): endpoint is PeerClosingEndpoint {
  return typeof (endpoint as Partial<PeerClosingEndpoint>).closePeer === 'function'
}
