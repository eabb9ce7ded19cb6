import { EventEmitter } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
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
import type { TcpEndpoint } from './types.js'

type ListenPlan = Extract<OpenPlan, { kind: 'listen' }>

/**
 * Listens on `plan.host`/`plan.port` and resolves to an endpoint that accepts many peers.
 * @throws PortInUseError, AddressNotAvailableError, PermissionDeniedError from listen; AbortError.
 */
export function openListener(settings: TcpSettings, plan: ListenPlan): Promise<TcpEndpoint> {
  if (plan.signal?.aborted) return Promise.reject(new AbortError())
  const server = createServer({ allowHalfOpen: true })
  const listening = awaitReady(server, 'listening', plan.signal, {
    ready: () => new ListenerEndpoint(server, settings),
    failure: (error) =>
      toProtolabError(error, { kind: 'listen', address: plan.host ?? '::', port: plan.port }),
    discard: () => server.close(),
  })
  server.listen({ host: plan.host, port: plan.port })
  return listening
}

/** A listening endpoint: every accepted connection is a peer; `send` routes by `to`. */
class ListenerEndpoint extends EventEmitter<EndpointEvents> implements TcpEndpoint {
  readonly semantics = TCP_SEMANTICS
  readonly localAddress: SocketAddress
  readonly remoteAddress = undefined

  private readonly connections = new Map<string, Connection>()
  /** The key of each connection in {@link connections}. */
  private readonly keys = new WeakMap<Connection, string>()
  /** Peers that reset before they were accepted, numbered for their keys. */
  private unaddressed = 0
  /** The same connections by their `peer` object, which every message's `from` is: a reply needs no key. */
  private readonly byPeer = new WeakMap<Destination, Connection>()
  private readonly queue: MessageQueue<Message>
  private readingPaused = false
  private closing: Promise<void> | undefined
  private refused = 0
  private readonly handlers: ConnectionHandlers = {
    onMessage: (message) => this.onMessage(message),
    onEnd: (connection) => this.emit('end', connection.peer),
    onClose: (connection, error) => this.onClose(connection, error),
  }

  constructor(
    private readonly server: Server,
    private readonly settings: TcpSettings,
  ) {
    super()
    const bound = server.address()
    if (bound === null || typeof bound === 'string') throw new Error('a TCP server is bound to an IP address')
    this.localAddress = {
      address: bound.address,
      port: bound.port,
      family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4',
    }
    this.queue = new MessageQueue<Message>({
      highWaterMarkBytes: READ_AHEAD_BYTES,
      sizeOf: (message) => message.payload.byteLength,
      onResume: () => this.resumeReading(),
    })
    server.on('connection', (socket) => this.accept(socket))
    // After listen succeeded, the server only reports failed accepts (EMFILE, a peer that reset
    // before it was accepted); Node keeps listening, and so do we.
    server.on('error', () => {})
  }

  get peers(): readonly SocketAddress[] {
    return Array.from(this.connections.values(), (connection) => connection.peer)
  }

  get closed(): boolean {
    return this.closing !== undefined
  }

  get refusedConnections(): number {
    return this.refused
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.queue[Symbol.asyncIterator]()
  }

  /** Sends to `to`, which must be one of {@link peers}: a listener has no default peer. */
  send(payload: Uint8Array, to?: Destination): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new ClosedError())
    if (to === undefined) {
      return Promise.reject(
        new NotConnectedError(
          "a listener serves many peers: give `to`, one of its `peers` (a message's `from`)",
        ),
      )
    }
    const connection = this.byPeer.get(to) ?? this.connections.get(peerKey(to))
    if (connection === undefined || !connection.writable) return Promise.reject(notConnected(to))
    return connection.send(payload)
  }

  closePeer(peer: Destination): Promise<void> {
    const connection = this.byPeer.get(peer) ?? this.connections.get(peerKey(peer))
    if (connection === undefined) return Promise.reject(notConnected(peer))
    return connection.close()
  }

  endSending(peer: Destination): Promise<void> {
    const connection = this.byPeer.get(peer) ?? this.connections.get(peerKey(peer))
    if (connection === undefined) return Promise.reject(notConnected(peer))
    return connection.endSending()
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing
    this.queue.end()
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    const connectionsClosed = Promise.all(Array.from(this.connections.values(), (c) => c.close()))
    this.closing = Promise.all([serverClosed, connectionsClosed]).then(() => undefined)
    return this.closing
  }

  private onMessage(message: Message): void {
    if (this.closing !== undefined) return
    if (!this.queue.push(message) && !this.readingPaused) {
      this.readingPaused = true
      for (const connection of this.connections.values()) connection.pause()
    }
  }

  private onClose(connection: Connection, error: ProtolabError | undefined): void {
    const key = this.keys.get(connection)
    if (key !== undefined && this.connections.get(key) === connection) this.connections.delete(key)
    this.byPeer.delete(connection.peer)
    this.emit('disconnect', connection.peer, error)
  }

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      dropSocket(socket)
      return
    }
    if (this.connections.size >= this.settings.maxConnections) {
      this.refused++
      dropSocket(socket)
      return
    }
    const connection = new Connection(socket, this.settings, this.handlers)
    // A peer that reset before we accepted it (a busy process accepts late) has no address left,
    // but what it sent before the reset was acknowledged and is still to be read, as any TCP
    // server reads it, then the reset: it is served as the unspecified address, port 0, under a key
    // of its own. Replies and closes find it by its `peer` object.
    const key =
      socket.remoteAddress === undefined ? `unaddressed|${this.unaddressed++}` : peerKey(connection.peer)
    this.connections.set(key, connection)
    this.keys.set(connection, key)
    this.byPeer.set(connection.peer, connection)
    if (this.readingPaused) connection.pause()
    this.emit('connect', connection.peer)
  }

  private resumeReading(): void {
    this.readingPaused = false
    for (const connection of this.connections.values()) connection.resume()
  }
}

function notConnected(peer: Destination): NotConnectedError {
  return new NotConnectedError(`${formatHostPort(peer.address, peer.port)} is not connected`)
}
