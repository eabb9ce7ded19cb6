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
 * What a connection-oriented listener adds to an {@link Endpoint} (`@protolab/tcp`'s PeerClosingEndpoint
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

/**
 * Puts an {@link AccessList} in front of a listening endpoint. Over TCP a connection from a refused
 * address is closed as soon as it is accepted, before anything it sent is read, and counted; over
 * UDP each datagram from a refused address is dropped and counted. Whoever reads the returned
 * endpoint never sees a refused peer: not its messages, nor its connect, end or disconnect.
 * With no rules the endpoint is returned as it is.
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
  return isPeerClosingEndpoint(endpoint)
    ? new GuardedPeerClosingEndpoint(endpoint, access, onRefused)
    : new GuardedEndpoint(endpoint, access, onRefused)
}

/** The number of peers (TCP connections, UDP datagrams) an endpoint from {@link guardEndpoint} refused; 0 for any other. */
export function refusedByAccessList(endpoint: Endpoint): number {
  return endpoint instanceof GuardedEndpoint ? endpoint.refused : 0
}

/** An endpoint that hides every peer its access list refuses. */
class GuardedEndpoint extends EventEmitter<EndpointEvents> implements Endpoint {
  #refused = 0

  constructor(
    protected readonly inner: Endpoint,
    private readonly access: AccessList,
    private readonly onRefused: RefusalListener,
  ) {
    super()
    // `end` belongs to TCP endpoints; the base Endpoint's emitter does not know its name.
    const emitter = inner as unknown as { on(event: 'end', listener: (peer: SocketAddress) => void): void }
    inner.on('connect', this.#onConnect)
    inner.on('disconnect', this.#onDisconnect)
    emitter.on('end', this.#onEnd)
  }

  /** Connections (TCP) or datagrams (UDP) refused so far. */
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
    return this.inner.peers.filter((peer) => this.access.allows(peer.address))
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
      if (this.access.allows(message.from.address)) {
        yield message
      } else if (!connectionOriented) {
        this.#refuse(message.from)
      }
      // A refused TCP peer was closed (and counted) when it connected: nothing of it is read.
    }
  }

  #refuse(peer: SocketAddress): void {
    this.#refused++
    this.onRefused(peer, this.access.reasonRefused(peer.address) ?? 'refused')
  }

  readonly #onConnect = (peer: SocketAddress): void => {
    if (this.access.allows(peer.address)) {
      this.emit('connect', peer)
      return
    }
    if (!this.inner.semantics.connectionOriented) return // the datagram itself is counted
    this.#refuse(peer)
    // Called while the listener accepts it: the connection closes before any of its data is read.
    void (this.inner as PeerClosingEndpoint).closePeer(peer).catch(() => {})
  }

  readonly #onDisconnect = (peer: SocketAddress, error?: ProtolabError): void => {
    if (this.access.allows(peer.address)) this.emit('disconnect', peer, error)
  }

  readonly #onEnd = (peer: SocketAddress): void => {
    if (this.access.allows(peer.address)) this.emit('end', peer)
  }
}

/** A guarded TCP listener: still a {@link PeerClosingEndpoint}. */
class GuardedPeerClosingEndpoint extends GuardedEndpoint implements PeerClosingEndpoint {
  constructor(
    private readonly tcp: PeerClosingEndpoint,
    access: AccessList,
    onRefused: RefusalListener,
  ) {
    super(tcp, access, onRefused)
  }

  override get localAddress(): SocketAddress {
    return this.tcp.localAddress
  }

  /** Connections closed at once because `maxConnections` were open (the access list's refusals are {@link refused}). */
  get refusedConnections(): number {
    return this.tcp.refusedConnections
  }

  closePeer(peer: Destination): Promise<void> {
    return this.tcp.closePeer(peer)
  }

  endSending(peer: Destination): Promise<void> {
    return this.tcp.endSending(peer)
  }
}

function isPeerClosingEndpoint(endpoint: Endpoint): endpoint is PeerClosingEndpoint {
  return typeof (endpoint as Partial<PeerClosingEndpoint>).closePeer === 'function'
}
