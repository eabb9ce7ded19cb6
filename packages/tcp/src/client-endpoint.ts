import { EventEmitter } from 'node:events'
import { connect, type Socket } from 'node:net'
import type { EndpointEvents } from '@protolab/core'
import {
  AbortError,
  ClosedError,
  type Destination,
  formatHostPort,
  type Message,
  MessageQueue,
  NotConnectedError,
  type ProtolabError,
  type SocketAddress,
} from '@protolab/core'
import { awaitReady, dropSocket } from './await-ready.js'
import { Connection, type ConnectionHandlers } from './connection.js'
import { READ_AHEAD_BYTES, TCP_SEMANTICS } from './constants.js'
import { toProtolabError } from './errors.js'
import type { OpenPlan, TcpSettings } from './options.js'
import { peerKey } from './peer-key.js'
import { SocketReads } from './socket-reads.js'
import type { TcpEndpoint } from './types.js'

type ConnectPlan = Extract<OpenPlan, { kind: 'connect' }>

/**
 * Connects to `plan.address`/`plan.port` and resolves to an endpoint with that one connection.
 * @throws PeerUnreachableError (refused, no route, a name that does not resolve), PortInUseError or
 * AddressNotAvailableError for a bad local `bind`, AbortError.
 */
export function openClient(settings: TcpSettings, plan: ConnectPlan): Promise<TcpEndpoint> {
  if (plan.signal?.aborted) return Promise.reject(new AbortError())
  const reads = new SocketReads()
  const socket = connect({
    host: plan.address,
    port: plan.port,
    localAddress: plan.localAddress,
    localPort: plan.localPort,
    allowHalfOpen: true,
    onread: reads.onread,
  })
  return awaitReady(socket, 'connect', plan.signal, {
    // The endpoint attaches its own 'error' handler before ours goes; the first read comes after.
    ready: () => new ClientEndpoint(socket, settings, plan, reads),
    failure: (error) =>
      toProtolabError(error, {
        kind: 'connect',
        address: plan.address,
        port: plan.port,
        localAddress: plan.localAddress,
        localPort: plan.localPort,
      }),
    discard: () => dropSocket(socket),
  })
}

/** A connected client: one peer, its server; `send` needs no `to`. */
class ClientEndpoint extends EventEmitter<EndpointEvents> implements TcpEndpoint {
  readonly semantics = TCP_SEMANTICS
  readonly refusedConnections = 0

  private readonly connection: Connection
  private readonly queue: MessageQueue<Message>
  private readonly requested: string
  private closing: Promise<void> | undefined
  private disconnected = false

  constructor(socket: Socket, settings: TcpSettings, plan: ConnectPlan, reads: SocketReads) {
    super()
    this.requested = peerKey(plan)
    this.queue = new MessageQueue<Message>({
      highWaterMarkBytes: READ_AHEAD_BYTES,
      sizeOf: (message) => message.payload.byteLength,
      onResume: () => this.connection.resume(),
    })
    const handlers: ConnectionHandlers = {
      onMessage: (message) => {
        if (this.closing === undefined && !this.queue.push(message)) this.connection.pause()
      },
      onEnd: (connection) => {
        // Nothing more can come from the server, so the loop ends; sending still works.
        this.queue.end()
        this.emit('end', connection.peer)
      },
      onClose: (connection, error) => this.onClose(connection, error),
    }
    this.connection = new Connection(socket, settings, handlers, reads)
    // Emitted after open() resolves, so the caller has had the chance to listen for it.
    setImmediate(() => {
      if (!this.disconnected) this.emit('connect', this.connection.peer)
    })
  }

  get localAddress(): SocketAddress {
    return this.connection.local
  }

  get remoteAddress(): SocketAddress {
    return this.connection.peer
  }

  get peers(): readonly SocketAddress[] {
    return this.disconnected ? [] : [this.connection.peer]
  }

  get closed(): boolean {
    return this.closing !== undefined || this.disconnected
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.queue[Symbol.asyncIterator]()
  }

  /** Sends to the server; `to`, when given, must name it (as given to `open` or as connected). */
  send(payload: Uint8Array, to?: Destination): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError())
    if (to !== undefined && !this.isPeer(to)) {
      return Promise.reject(
        new NotConnectedError(
          `this client is connected to ${formatHostPort(this.connection.peer.address, this.connection.peer.port)} only, not ${formatHostPort(to.address, to.port)}`,
        ),
      )
    }
    return this.connection.send(payload)
  }

  closePeer(peer: Destination): Promise<void> {
    if (!this.isPeer(peer)) {
      return Promise.reject(
        new NotConnectedError(`${formatHostPort(peer.address, peer.port)} is not connected`),
      )
    }
    return this.close()
  }

  endSending(peer: Destination): Promise<void> {
    if (!this.isPeer(peer)) {
      return Promise.reject(
        new NotConnectedError(`${formatHostPort(peer.address, peer.port)} is not connected`),
      )
    }
    return this.connection.endSending()
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.queue.end()
      this.closing = this.connection.close()
    }
    return this.closing
  }

  private isPeer(to: Destination): boolean {
    if (to === this.connection.peer) return true
    const key = peerKey(to)
    return key === this.requested || key === peerKey(this.connection.peer)
  }

  private onClose(connection: Connection, error: ProtolabError | undefined): void {
    this.disconnected = true
    this.queue.end()
    this.emit('disconnect', connection.peer, error)
  }
}
