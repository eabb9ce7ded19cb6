import dgram, { type RemoteInfo, type Socket } from 'node:dgram'
import { lookup as dnsLookup } from 'node:dns'
import { EventEmitter } from 'node:events'
import {
  ClosedError,
  type Destination,
  type Endpoint,
  type EndpointEvents,
  InvalidAddressError,
  InvalidArgumentError,
  ipFamily,
  type Message,
  MessageQueue,
  MessageTooLargeError,
  monotonicMs,
  NotConnectedError,
  type ProtolabError,
  type SocketAddress,
} from '@protolab/core'
import { MAX_TRACKED_PEERS, MAX_UDP_PAYLOAD_IPV4, UDP_SEMANTICS } from './constants.js'
import { isUnreachable, toProtolabError } from './errors.js'
import {
  checkDestination,
  maxPayloadOf,
  type OpenPlan,
  typeForDestination,
  type UdpConfig,
  type UdpSocketType,
  wildcardOf,
} from './options.js'
import { bindDatagramSocket, closeDatagramSocket, socketAddressOf } from './socket.js'

/** A UDP endpoint: an {@link Endpoint} that also reports its socket's drops and buffer sizes. */
export interface UdpEndpoint extends Endpoint {
  /** Datagrams dropped because `maxQueuedMessages` were already waiting for the reader. */
  readonly dropped: number
  /** SO_RCVBUF as the OS applied it (Linux reports twice the request); undefined until the socket is bound. */
  readonly recvBufferSize: number | undefined
  /** SO_SNDBUF as the OS applied it (Linux reports twice the request); undefined until the socket is bound. */
  readonly sendBufferSize: number | undefined
}

/**
 * One node:dgram socket as an {@link Endpoint}. Received datagrams go into a bounded queue read by
 * `for await`; the node Buffer of each datagram is the payload, without a copy.
 */
export class DatagramEndpoint extends EventEmitter<EndpointEvents> implements UdpEndpoint {
  readonly semantics = UDP_SEMANTICS
  private socket: Socket | undefined
  private local: SocketAddress | undefined
  private remote: SocketAddress | undefined
  /** The peer as the caller named it (maybe a host name), so `send(payload, peer)` still matches. */
  private peerAsGiven: Destination | undefined
  private maxPayload = MAX_UDP_PAYLOAD_IPV4
  private recvBuffer: number | undefined
  private sendBuffer: number | undefined
  private droppedCount = 0
  private pendingSends = 0
  private onFlushed: (() => void) | undefined
  /** An ICMP error the OS reported for the peer, thrown by the next send (as the OS would). */
  private unreachable: ProtolabError | undefined
  private closing: Promise<void> | undefined
  private lazyBind: Promise<Socket> | undefined
  private readonly queue: MessageQueue<Message>
  /** Peers heard from, least recently heard first; `lastHeard` skips the lookup for a steady sender. */
  private readonly heard = new Map<string, SocketAddress>()
  private lastHeard: SocketAddress | undefined

  constructor(
    private readonly config: UdpConfig,
    /** The socket type a first send creates when `open` created none; undefined: the destination decides. */
    private readonly lazyType: UdpSocketType | undefined,
  ) {
    super()
    this.queue = new MessageQueue<Message>({ highWaterMark: config.maxQueuedMessages })
  }

  get localAddress(): SocketAddress | undefined {
    return this.local
  }

  get remoteAddress(): SocketAddress | undefined {
    return this.remote
  }

  get peers(): readonly SocketAddress[] {
    return Array.from(this.heard.values())
  }

  get closed(): boolean {
    return this.closing !== undefined
  }

  get dropped(): number {
    return this.droppedCount
  }

  get recvBufferSize(): number | undefined {
    return this.recvBuffer
  }

  get sendBufferSize(): number | undefined {
    return this.sendBuffer
  }

  /** Binds and connects as planned; with neither a bind nor a peer the first send binds. */
  async start(plan: OpenPlan, signal: AbortSignal | undefined): Promise<void> {
    if (plan.type === undefined || (plan.bind === undefined && plan.peer === undefined)) return
    const type = plan.type
    const socket = this.createSocket(type)
    await bindDatagramSocket(socket, {
      host: plan.bind?.host ?? wildcardOf(type),
      port: plan.bind?.port ?? 0,
      peer: plan.peer,
      onBound: (bound) => this.configure(bound),
      signal,
    })
    this.peerAsGiven = plan.peer
    this.adopt(socket, type)
  }

  send(payload: Uint8Array, to?: Destination): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new ClosedError())
    if (!(payload instanceof Uint8Array))
      return Promise.reject(new InvalidArgumentError('payload must be a Uint8Array'))
    const socket = this.socket
    return socket === undefined ? this.sendFirst(payload, to) : this.sendOn(socket, payload, to)
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.queue[Symbol.asyncIterator]()
  }

  private sendOn(socket: Socket, payload: Uint8Array, to: Destination | undefined): Promise<void> {
    const unreachable = this.unreachable
    if (unreachable !== undefined) {
      this.unreachable = undefined
      return Promise.reject(unreachable)
    }
    const size = payload.byteLength
    if (size > this.maxPayload) return Promise.reject(new MessageTooLargeError(size, this.maxPayload))

    const remote = this.remote
    if (remote !== undefined) {
      if (to !== undefined && !this.isPeer(to)) {
        return Promise.reject(
          new InvalidArgumentError(
            `this endpoint is connected to ${remote.address} port ${remote.port} and sends only there; open one without peer to send elsewhere`,
          ),
        )
      }
      return this.dispatch(socket, payload, undefined, remote)
    }
    if (to === undefined) {
      return Promise.reject(
        new NotConnectedError('send needs a destination: this endpoint was opened without peer'),
      )
    }
    if (!isSendablePort(to.port) || typeof to.address !== 'string') {
      try {
        checkDestination(to)
      } catch (error) {
        return Promise.reject(error)
      }
    }
    return this.dispatch(socket, payload, to, to)
  }

  /** Hands one datagram to the kernel; `to` undefined sends on the connected socket. */
  private dispatch(
    socket: Socket,
    payload: Uint8Array,
    to: Destination | undefined,
    target: Destination,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const sent = (error: Error | null | undefined): void => {
        if (--this.pendingSends === 0 && this.onFlushed !== undefined) this.onFlushed()
        if (error) reject(this.sendError(error, target, payload.byteLength))
        else resolve()
      }
      this.pendingSends++
      try {
        if (to === undefined) socket.send(payload, sent)
        else socket.send(payload, to.port, to.address, sent)
      } catch (error) {
        sent(error as Error)
      }
    })
  }

  private sendError(error: Error, target: Destination, size: number): ProtolabError {
    return toProtolabError(error, {
      kind: 'send',
      address: target.address,
      port: target.port,
      size,
      limit: this.maxPayload,
    })
  }

  /** The first send of an endpoint opened without bind or peer: bind an OS-chosen port on every interface, as `sendto` does. */
  private sendFirst(payload: Uint8Array, to: Destination | undefined): Promise<void> {
    if (to === undefined) {
      return Promise.reject(
        new NotConnectedError('send needs a destination: this endpoint was opened without peer'),
      )
    }
    try {
      checkDestination(to)
    } catch (error) {
      return Promise.reject(error)
    }
    const type = this.lazyType ?? typeForDestination(to.address, this.config)
    const limit = maxPayloadOf(type)
    if (payload.byteLength > limit) return Promise.reject(new MessageTooLargeError(payload.byteLength, limit))
    this.lazyBind ??= this.bindLazily(type)
    return this.lazyBind.then((socket) => this.sendOn(socket, payload, to))
  }

  private async bindLazily(type: UdpSocketType): Promise<Socket> {
    const socket = this.createSocket(type)
    try {
      await bindDatagramSocket(socket, {
        host: wildcardOf(type),
        port: 0,
        onBound: (bound) => this.configure(bound),
      })
    } catch (error) {
      this.lazyBind = undefined
      throw error
    }
    this.adopt(socket, type)
    return socket
  }

  private createSocket(type: UdpSocketType): Socket {
    const socket = dgram.createSocket({ type, reuseAddr: this.config.reuseAddr, lookup: lookupFor(type) })
    socket.on('message', this.onMessage)
    socket.on('error', (error) => this.onSocketError(socket, error))
    return socket
  }

  /** Applies the socket options that need a bound socket. */
  private configure(socket: Socket): void {
    const { broadcast, recvBufferSize, sendBufferSize } = this.config
    try {
      if (broadcast) socket.setBroadcast(true)
      if (recvBufferSize !== undefined) socket.setRecvBufferSize(recvBufferSize)
      if (sendBufferSize !== undefined) socket.setSendBufferSize(sendBufferSize)
    } catch (error) {
      throw new InvalidArgumentError(`the OS refused a socket option: ${(error as Error).message}`)
    }
  }

  private adopt(socket: Socket, type: UdpSocketType): void {
    this.socket = socket
    this.maxPayload = maxPayloadOf(type)
    this.local = socketAddressOf(socket.address())
    if (this.peerAsGiven !== undefined) this.remote = socketAddressOf(socket.remoteAddress())
    this.recvBuffer = socket.getRecvBufferSize()
    this.sendBuffer = socket.getSendBufferSize()
  }

  private isPeer(to: Destination): boolean {
    const remote = this.remote
    const given = this.peerAsGiven
    return (
      remote !== undefined &&
      to.port === remote.port &&
      (to.address === remote.address || (given !== undefined && to.address === given.address))
    )
  }

  /** The receive path: one Message per datagram, the datagram's own Buffer as payload. */
  private readonly onMessage = (payload: Buffer, rinfo: RemoteInfo): void => {
    const from = this.hear(rinfo)
    if (this.queue.length >= this.config.maxQueuedMessages) {
      this.droppedCount++
      return
    }
    const max = this.config.maxMessageBytes
    if (payload.length > max) {
      // A copy of the kept bytes, so a queued truncated message does not hold the whole datagram.
      this.queue.push({
        payload: Buffer.from(payload.subarray(0, max)),
        from,
        receivedAt: monotonicMs(),
        truncated: true,
      })
    } else {
      this.queue.push({ payload, from, receivedAt: monotonicMs(), truncated: false })
    }
  }

  private hear(rinfo: RemoteInfo): SocketAddress {
    const last = this.lastHeard
    if (last !== undefined && last.port === rinfo.port && last.address === rinfo.address) return last
    const key = `${rinfo.address} ${rinfo.port}`
    let peer = this.heard.get(key)
    if (peer === undefined) {
      peer = socketAddressOf(rinfo)
      if (this.heard.size >= MAX_TRACKED_PEERS) this.heard.delete(this.heard.keys().next().value as string)
      this.heard.set(key, peer)
      this.lastHeard = peer
      this.emit('connect', peer)
    } else {
      // Move it to the end: the map is kept least recently heard first.
      this.heard.delete(key)
      this.heard.set(key, peer)
      this.lastHeard = peer
    }
    return peer
  }

  private onSocketError(socket: Socket, error: Error): void {
    if (socket !== this.socket) return // a bind error, reported by the bind itself
    const remote = this.remote
    if (isUnreachable(error)) {
      // Only a connected socket hears of ICMP errors (Linux); it stays usable, so the reader goes on.
      if (remote === undefined) return
      const unreachable = toProtolabError(error, {
        kind: 'receive',
        address: remote.address,
        port: remote.port,
      })
      this.unreachable = unreachable
      this.heard.delete(`${remote.address} ${remote.port}`)
      this.lastHeard = undefined
      this.emit('disconnect', remote, unreachable)
      return
    }
    // Any other socket error leaves it unusable: end reading with the error and release the port.
    this.queue.end(
      toProtolabError(error, { kind: 'receive', address: remote?.address ?? '', port: remote?.port ?? 0 }),
    )
    void this.close()
  }

  /** Waits for every send already handed to the socket, then closes it and ends the reader. */
  private async shutdown(): Promise<void> {
    if (this.lazyBind !== undefined) await this.lazyBind.catch(() => undefined)
    if (this.pendingSends > 0) {
      await new Promise<void>((resolve) => {
        this.onFlushed = resolve
      })
    }
    const socket = this.socket
    if (socket !== undefined) await closeDatagramSocket(socket)
    this.queue.end()
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void

/**
 * The address lookup dgram calls before every unconnected send: an IP literal of the socket's family
 * is answered at once (node's default defers it a tick), a literal of the other family is refused with
 * a hint, and only a host name goes to DNS.
 */
function lookupFor(
  type: UdpSocketType,
): (hostname: string, options: unknown, callback: LookupCallback) => void {
  const family = type === 'udp6' ? 6 : 4
  // node:dgram looks up the address of every send to a given destination; replies go to one peer
  // over and over, so the last literal that matched is not parsed again.
  let lastLiteral: string | undefined
  return (hostname, _options, callback) => {
    if (hostname === lastLiteral) return callback(null, hostname, family)
    const literal = ipFamily(hostname)
    if (literal === family) {
      lastLiteral = hostname
      return callback(null, hostname, family)
    }
    if (literal !== undefined) {
      const error = new InvalidAddressError(
        `${hostname} is an IPv${literal} address and this socket is ${type}; open the endpoint with type 'udp${literal}'`,
      )
      return callback(error as NodeJS.ErrnoException, '', 0)
    }
    dnsLookup(hostname, { family }, callback)
  }
}

function isSendablePort(port: number): boolean {
  return port > 0 && port <= 65535 && Number.isInteger(port)
}
