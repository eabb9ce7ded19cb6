import { randomBytes } from 'node:crypto'
import dgram, { type RemoteInfo, type Socket } from 'node:dgram'
import { EventEmitter } from 'node:events'
import {
  ClosedError,
  ConnectionLimitError,
  type Destination,
  type Endpoint,
  type EndpointEvents,
  InvalidArgumentError,
  InvalidPacketError,
  type Message,
  MessageQueue,
  monotonicMs,
  NotConnectedError,
  PeerResetError,
  type ProtolabError,
  type Semantics,
  type SocketAddress,
} from '@protolab/core'
import { bindDatagramSocket, closeDatagramSocket, socketAddressOf } from '@protolab/udp'
import type { ArqCounters } from './arq/control-block.js'
import { KCP_SEMANTICS, KCP_STREAM_SEMANTICS, READ_AHEAD_BYTES } from './constants.js'
import { isTransient, toProtolabError } from './errors.js'
import type { KcpConfig, OpenPlan } from './options.js'
import { Session, type SessionHost } from './session/session.js'
import { Command, decodeSegments, type Segment } from './wire/segment.js'

/** What a KCP endpoint counted since it opened: its sessions' ARQ and what it turned away. */
export interface KcpStats extends ArqCounters {
  /** Sessions open now. */
  sessions: number
  /** Sessions opened since the endpoint opened (a dialer's one included). */
  sessionsOpened: number
  /** Datagrams that would have opened a session beyond `maxConnections`. */
  refusedConnections: number
  /** Datagrams that were no valid KCP for this endpoint (garbage, bad lengths, a foreign conv). */
  invalidDatagrams: number
  /** Received messages waiting for the reader. */
  queuedMessages: number
}

/**
 * A KCP endpoint over one UDP socket: a dialer (one session to `peer`, with a random conv, as
 * kcp-go's `DialWithOptions`) or a listener (sessions keyed by the peer's address, each taking the
 * conv its dialer chose, as kcp-go's `ListenWithOptions`).
 */
export interface KcpEndpoint extends Endpoint {
  /** Where the socket is bound, with the port the OS chose. */
  readonly localAddress: SocketAddress
  /** The counters of the ARQ and of refused or invalid input. */
  stats(): KcpStats
  /** Why the last datagram was turned away (ERR_INVALID_PACKET, ERR_CONNECTION_LIMIT), if one was. */
  readonly lastRejection: ProtolabError | undefined
  /** The conv of a dialer's session, or of the session with `peer` on a listener. */
  convOf(peer?: Destination): number | undefined
  /** Flushes what was sent to `peer` (waits for its ACKs, bounded by `closeTimeoutMs`), then forgets the session. */
  closePeer(peer: Destination): Promise<void>
}

/** One UDP socket and the KCP sessions on it. */
export class KcpSocketEndpoint extends EventEmitter<EndpointEvents> implements KcpEndpoint, SessionHost {
  readonly semantics: Semantics
  private socket: Socket | undefined
  private local: SocketAddress | undefined
  private remote: SocketAddress | undefined
  private readonly sessions = new Map<string, Session>()
  private dialed: Session | undefined
  private closing: Promise<void> | undefined
  private readonly queue: MessageQueue<Message>
  private readonly totals: KcpStats = {
    retransmits: 0,
    timeouts: 0,
    fastRetransmits: 0,
    datagramsOut: 0,
    bytesOut: 0,
    duplicateSegments: 0,
    probesSent: 0,
    sessions: 0,
    sessionsOpened: 0,
    refusedConnections: 0,
    invalidDatagrams: 0,
    queuedMessages: 0,
  }
  private rejection: ProtolabError | undefined
  /** Datagrams handed to the socket and not yet sent: close() waits for them, or a last ACK would be lost. */
  private inFlight = 0
  private onSent: (() => void) | undefined

  constructor(
    private readonly config: KcpConfig,
    private readonly plan: OpenPlan,
  ) {
    super()
    this.semantics = config.arq.stream ? KCP_STREAM_SEMANTICS : KCP_SEMANTICS
    this.queue = new MessageQueue<Message>({
      highWaterMark: config.maxQueuedMessages,
      highWaterMarkBytes: READ_AHEAD_BYTES,
      sizeOf: (message) => message.payload.length,
      onResume: () => this.resumeSessions(),
    })
  }

  get localAddress(): SocketAddress {
    return this.local as SocketAddress
  }

  get remoteAddress(): SocketAddress | undefined {
    return this.remote
  }

  get peers(): readonly SocketAddress[] {
    return Array.from(this.sessions.values(), (session) => session.remote)
  }

  get closed(): boolean {
    return this.closing !== undefined
  }

  get lastRejection(): ProtolabError | undefined {
    return this.rejection
  }

  stats(): KcpStats {
    const stats = { ...this.totals, sessions: this.sessions.size, queuedMessages: this.queue.length }
    for (const session of this.sessions.values()) addCounters(stats, session.counters)
    return stats
  }

  convOf(peer?: Destination): number | undefined {
    if (peer === undefined) return this.dialed?.conv
    return this.sessions.get(keyOf(peer.address, peer.port))?.conv
  }

  /** Binds the socket (and connects it to a dialer's peer), then starts the dialer's session. */
  async start(signal: AbortSignal | undefined): Promise<void> {
    const { plan } = this
    const socket = dgram.createSocket({ type: plan.type })
    socket.on('error', (error) => this.onSocketError(error))
    await bindDatagramSocket(socket, {
      host: plan.bind?.host ?? (plan.type === 'udp6' ? '::' : '0.0.0.0'),
      port: plan.bind?.port ?? 0,
      peer: plan.peer,
      signal,
    })
    this.socket = socket
    this.local = socketAddressOf(socket.address())
    socket.on('message', this.onDatagram)
    if (plan.peer !== undefined) {
      const remote = socketAddressOf(socket.remoteAddress())
      this.remote = remote
      this.dialed = this.openSession(randomBytes(4).readUInt32LE(0), remote)
    }
  }

  send(payload: Uint8Array, to?: Destination): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new ClosedError())
    if (!(payload instanceof Uint8Array)) {
      return Promise.reject(new InvalidArgumentError('payload must be a Uint8Array'))
    }
    const session = this.sessionFor(to)
    if (session === undefined) {
      return Promise.reject(
        new NotConnectedError(
          to === undefined
            ? 'send needs a destination: this endpoint listens and has no default peer'
            : `no KCP session with ${to.address} port ${to.port}: a listener answers peers that dialed it`,
        ),
      )
    }
    return session.send(payload)
  }

  closePeer(peer: Destination): Promise<void> {
    const session = this.sessions.get(keyOf(peer.address, peer.port))
    if (session === undefined) {
      return Promise.reject(new NotConnectedError(`no KCP session with ${peer.address} port ${peer.port}`))
    }
    return session.close()
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.queue[Symbol.asyncIterator]()
  }

  // SessionHost

  transmit(datagram: Uint8Array, to: SocketAddress): void {
    const socket = this.socket
    if (socket === undefined) return
    const done = (error: Error | null): void => {
      if (--this.inFlight === 0) this.onSent?.()
      // A lost datagram is what KCP repairs; the socket's own failures surface through 'error'.
      if (error !== null && !isTransient(error))
        this.rejection = toProtolabError(error, 'socket', to.address, to.port)
    }
    this.inFlight++
    try {
      if (this.dialed !== undefined) socket.send(datagram, done)
      else socket.send(datagram, to.port, to.address, done)
    } catch {
      // The socket is closing: the session is ending with it.
      done(null)
    }
  }

  accepting(): boolean {
    return (
      !this.queue.isEnded &&
      this.queue.length < this.config.maxQueuedMessages &&
      this.queue.byteLength < READ_AHEAD_BYTES
    )
  }

  deliver(payload: Uint8Array, from: SocketAddress): boolean {
    return this.queue.push({ payload, from, receivedAt: monotonicMs(), truncated: false })
  }

  ended(session: Session, error: ProtolabError | undefined): void {
    const key = keyOf(session.remote.address, session.remote.port)
    if (this.sessions.get(key) === session) this.sessions.delete(key)
    addCounters(this.totals, session.counters)
    this.emit('disconnect', session.remote, error)
    if (session === this.dialed && error !== undefined) {
      // A dialer has one session: when it fails, reading ends with why, and the socket is released.
      this.queue.end(error)
      void this.close()
    }
  }

  private sessionFor(to: Destination | undefined): Session | undefined {
    if (this.dialed !== undefined) {
      const remote = this.remote as SocketAddress
      if (
        to !== undefined &&
        (to.port !== remote.port || !sameHost(to.address, remote.address, this.plan.peer))
      ) {
        return undefined
      }
      return this.dialed.ended ? undefined : this.dialed
    }
    return to === undefined ? undefined : this.sessions.get(keyOf(to.address, to.port))
  }

  private openSession(conv: number, remote: SocketAddress): Session {
    const session = new Session(conv, remote, this.config.arq, this.config, this)
    this.sessions.set(keyOf(remote.address, remote.port), session)
    this.totals.sessionsOpened++
    return session
  }

  private readonly onDatagram = (datagram: Buffer, rinfo: RemoteInfo): void => {
    let segments: Segment[]
    try {
      segments = decodeSegments(datagram)
    } catch (error) {
      this.reject(error as ProtolabError)
      return
    }
    const conv = (segments[0] as Segment).conv
    const key = keyOf(rinfo.address, rinfo.port)
    let session = this.sessions.get(key)
    if (session !== undefined && session.conv !== conv) {
      // kcp-go's rule: a first segment (sn 0) of another conv from the same address is a new dial.
      const restarts = this.dialed === undefined && segments.some((s) => s.cmd === Command.PUSH && s.sn === 0)
      if (!restarts) {
        this.reject(new InvalidPacketError(`conv ${conv} is not this session's conv ${session.conv}`))
        return
      }
      session.end(new PeerResetError('the peer started a new KCP conversation from the same address'))
      session = undefined
    }
    if (session === undefined) {
      if (this.dialed !== undefined || this.closing !== undefined) return
      if (!segments.some((s) => s.cmd === Command.PUSH)) {
        this.reject(new InvalidPacketError('a datagram without data opens no KCP session'))
        return
      }
      if (this.sessions.size >= this.config.maxConnections) {
        this.totals.refusedConnections++
        this.rejection = new ConnectionLimitError(this.config.maxConnections)
        return
      }
      session = this.openSession(conv, socketAddressOf(rinfo))
      this.emit('connect', session.remote)
    }
    session.input(segments)
  }

  private reject(error: ProtolabError): void {
    this.totals.invalidDatagrams++
    this.rejection = error
  }

  /** The reader took half its queue back: hand over what sessions held, which reopens their windows. */
  private resumeSessions(): void {
    for (const session of this.sessions.values()) {
      if (session.blocked) session.drain()
    }
  }

  private onSocketError(error: Error): void {
    if (isTransient(error)) return
    const failure = toProtolabError(error, 'socket', this.remote?.address ?? '', this.remote?.port ?? 0)
    for (const session of [...this.sessions.values()]) session.end(failure)
    this.queue.end(failure)
    void this.close()
  }

  /** Closes every session (each waits for its ACKs, bounded), then the socket, then ends reading. */
  private async shutdown(): Promise<void> {
    await Promise.all(Array.from(this.sessions.values(), (session) => session.close()))
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.onSent = resolve
      })
    }
    const socket = this.socket
    if (socket !== undefined) await closeDatagramSocket(socket)
    this.queue.end()
  }
}

function addCounters(into: ArqCounters, from: Readonly<ArqCounters>): void {
  into.retransmits += from.retransmits
  into.timeouts += from.timeouts
  into.fastRetransmits += from.fastRetransmits
  into.datagramsOut += from.datagramsOut
  into.bytesOut += from.bytesOut
  into.duplicateSegments += from.duplicateSegments
  into.probesSent += from.probesSent
}

function keyOf(address: string, port: number): string {
  return `${address} ${port}`
}

function sameHost(given: string, actual: string, asDialed: Destination | undefined): boolean {
  return given === actual || given === asDialed?.address
}
