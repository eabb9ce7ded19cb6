import dgram, { type RemoteInfo, type Socket } from 'node:dgram'
import { lookup as dnsLookup } from 'node:dns'
import {
  DatagramImpairer,
  DEFAULT_REORDER_MAX_HOLD_MS,
  InvalidAddressError,
  ipFamily,
  type SocketAddress,
} from '@protolab/core'
import { toProtolabError } from '../errors.js'
import { DelayLine, HoldBudget } from './delay-line.js'
import { type UdpProxyConfig, type UdpProxyInit, udpProxyConfig } from './options.js'
import { DirectionCounts, type UdpProxyStats } from './stats.js'
import { TimerHeap } from './timer-heap.js'

/** A running UDP relay; see {@link udpProxy}. */
export interface UdpProxy {
  /** Resolves once the relay is bound and `to` resolved; rejects with a ProtolabError (port in use, bad address). */
  readonly listening: Promise<void>
  /** Where clients send, once listening. */
  readonly address: SocketAddress | undefined
  /** The seed of every impairment decision (given or drawn): pass it again to repeat a run. */
  readonly seed: number
  /** What the relay has done so far. */
  stats(): UdpProxyStats
  /** Stops relaying: closes every socket and drops every datagram still delayed or held. */
  close(): Promise<void>
}

/**
 * Starts a UDP relay with seeded impairment: each client's datagrams go to `to` from an upstream
 * socket of its own (so the server's replies return to the right client), through the
 * {@link DatagramImpairer} model: loss, duplication, reordering, delay and jitter, rate limit and
 * corruption. By default only client → server datagrams are impaired (`direction: 'forward'`).
 * Decisions depend on the seed and on the order datagrams arrive, with separate decision streams
 * for each client (numbered in the order they are first heard) and each direction.
 *
 * @throws InvalidAddressError, PortRangeError or InvalidArgumentError when `init` is invalid
 */
export function udpProxy(init: UdpProxyInit): UdpProxy {
  return new UdpRelay(udpProxyConfig(init))
}

/** One direction of one client's traffic. */
interface Path {
  readonly impairer: DatagramImpairer | undefined
  /** Where impaired datagrams wait for their delay or to be overtaken. */
  readonly line: DelayLine<Buffer>
  readonly counts: DirectionCounts
  readonly send: (payload: Buffer) => void
}

interface Client {
  readonly upstream: Socket
  readonly toServer: Path
  readonly toClient: Path
  lastHeardMs: number
  closed: boolean
}

class UdpRelay implements UdpProxy {
  readonly listening: Promise<void>
  readonly seed: number
  private readonly config: UdpProxyConfig
  private readonly socket: Socket
  private readonly clients = new Map<string, Client>()
  private readonly timers = new TimerHeap()
  private readonly toServerCounts = new DirectionCounts()
  private readonly toClientCounts = new DirectionCounts()
  private readonly maxHoldMs: number
  private readonly sweep: NodeJS.Timeout
  private boundAddress: SocketAddress | undefined
  private serverAddress: string | undefined
  private serverFamily: 4 | 6 = 4
  private clientsSeen = 0
  private refused = 0
  private denied = 0
  private foreign = 0
  private readonly budget: HoldBudget
  private closing: Promise<void> | undefined

  constructor(config: UdpProxyConfig) {
    this.config = config
    this.seed = config.seed
    this.maxHoldMs = config.impairment.reorderMaxHoldMs ?? DEFAULT_REORDER_MAX_HOLD_MS
    this.budget = new HoldBudget(config.maxQueuedDatagrams)
    const type = ipFamily(config.listenHost) === 6 ? 'udp6' : 'udp4'
    this.socket = dgram.createSocket({ type, lookup: literalLookup })
    this.socket.on('message', (message, from) => this.fromClient(message, from))
    // Errors after bind (an ICMP error on a send) must not crash the relay; the datagram is simply lost.
    this.socket.on('error', () => {})
    const sweepEveryMs = Math.max(10, Math.min(config.idleTimeoutMs / 2, 10_000))
    this.sweep = setInterval(() => this.forgetIdleClients(), sweepEveryMs).unref()
    this.listening = this.start()
    this.listening.catch(() => this.close())
  }

  get address(): SocketAddress | undefined {
    return this.boundAddress
  }

  stats(): UdpProxyStats {
    return {
      clients: this.clients.size,
      refused: this.refused,
      denied: this.denied,
      foreign: this.foreign,
      toServer: this.toServerCounts.snapshot(),
      toClient: this.toClientCounts.snapshot(),
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async start(): Promise<void> {
    const { address, family } = await resolve(this.config.toHost)
    this.serverAddress = address
    this.serverFamily = family
    const { listenHost, listenPort } = this.config
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void =>
        reject(toProtolabError(error, { kind: 'bind', address: listenHost, port: listenPort }))
      this.socket.once('error', onError)
      this.socket.bind({ address: listenHost, port: listenPort, exclusive: true }, () => {
        this.socket.off('error', onError)
        resolve()
      })
    })
    this.setBufferSizes(this.socket)
    const bound = this.socket.address()
    this.boundAddress = {
      address: bound.address,
      port: bound.port,
      family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4',
    }
  }

  private fromClient(payload: Buffer, from: RemoteInfo): void {
    if (this.closing !== undefined) return
    const key = `${from.address}|${from.port}`
    let client = this.clients.get(key)
    if (client === undefined) {
      const { acceptClient } = this.config
      const family = from.family === 'IPv6' ? 'IPv6' : 'IPv4'
      if (acceptClient !== undefined && !acceptClient({ address: from.address, port: from.port, family })) {
        this.denied++
        return
      }
      if (this.clients.size >= this.config.maxClients) {
        this.refused++
        return
      }
      client = this.addClient(key, from.address, from.port)
    }
    client.lastHeardMs = performance.now()
    this.relay(client.toServer, payload)
  }

  private addClient(key: string, address: string, port: number): Client {
    const index = this.clientsSeen++
    const serverAddress = this.serverAddress!
    const serverPort = this.config.toPort
    const upstream = dgram.createSocket({
      type: this.serverFamily === 6 ? 'udp6' : 'udp4',
      lookup: literalLookup,
    })
    upstream.on('error', () => {})
    const impairer = (stream: number) =>
      new DatagramImpairer({ impairment: this.config.impairment, seed: this.config.seed, stream })
    const line = (send: (payload: Buffer) => void) =>
      new DelayLine({ send, timers: this.timers, maxHoldMs: this.maxHoldMs, budget: this.budget })
    const toServer = (payload: Buffer) =>
      this.send(client, upstream, payload, serverPort, serverAddress, this.toServerCounts)
    const toClient = (payload: Buffer) =>
      this.send(client, this.socket, payload, port, address, this.toClientCounts)
    const client: Client = {
      upstream,
      lastHeardMs: performance.now(),
      closed: false,
      toServer: {
        impairer: impairer(2 * index),
        line: line(toServer),
        counts: this.toServerCounts,
        send: toServer,
      },
      toClient: {
        impairer: this.config.direction === 'both' ? impairer(2 * index + 1) : undefined,
        line: line(toClient),
        counts: this.toClientCounts,
        send: toClient,
      },
    }
    upstream.on('message', (payload, from) => {
      if (from.port !== serverPort || from.address !== serverAddress) {
        this.foreign++
        return
      }
      client.lastHeardMs = performance.now()
      this.relay(client.toClient, payload)
    })
    upstream.once('listening', () => this.setBufferSizes(upstream))
    upstream.bind({ port: 0, address: loopbackFor(serverAddress) })
    this.clients.set(key, client)
    return client
  }

  /** Applies the path's impairment to one datagram and sends it, now or later. */
  private relay(path: Path, payload: Buffer): void {
    const counts = path.counts
    counts.received++
    if (path.impairer === undefined) {
      path.send(payload)
      return
    }
    const nowMs = performance.now()
    const decision = path.impairer.decide(payload.length, nowMs)
    if (decision.drop !== undefined) {
      counts.dropped++
      if (decision.drop === 'queue') counts.queueDropped++
      return
    }
    if (decision.corruptAt >= 0) {
      payload[decision.corruptAt]! ^= decision.corruptMask
      counts.corrupted++
    }
    counts.duplicated += decision.copies - 1
    const outcome = path.line.enter(payload, decision, nowMs)
    if (outcome === 'held') counts.reordered++
    if (outcome === 'full') {
      counts.dropped++
      counts.queueDropped++
    }
  }

  private send(
    client: Client,
    socket: Socket,
    payload: Buffer,
    port: number,
    address: string,
    counts: DirectionCounts,
  ): void {
    if (client.closed || this.closing !== undefined) return
    try {
      socket.send(payload, port, address)
    } catch {
      // The socket closed under us (idle client forgotten): the datagram is lost.
      return
    }
    counts.forwarded++
    counts.bytes += payload.length
  }

  private forgetIdleClients(): void {
    const cutoff = performance.now() - this.config.idleTimeoutMs
    for (const [key, client] of this.clients) {
      if (client.lastHeardMs < cutoff) {
        this.clients.delete(key)
        closeClient(client)
      }
    }
  }

  private setBufferSizes(socket: Socket): void {
    const bytes = this.config.socketBufferBytes
    if (bytes === undefined) return
    try {
      socket.setRecvBufferSize(bytes)
      socket.setSendBufferSize(bytes)
    } catch {
      // The OS refused the size (above its maximum): keep its default rather than fail the relay.
    }
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.sweep)
    this.timers.clear()
    const closes: Promise<void>[] = []
    for (const client of this.clients.values()) closes.push(closeClient(client))
    this.clients.clear()
    closes.push(closeSocket(this.socket))
    await Promise.all(closes)
  }
}

function closeClient(client: Client): Promise<void> {
  client.closed = true
  return closeSocket(client.upstream)
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve())
    } catch {
      resolve() // never bound, or already closed
    }
  })
}

/** Binds an upstream socket to loopback when the server is on loopback, so the relay opens nothing wider than it needs. */
function loopbackFor(serverAddress: string): string | undefined {
  if (serverAddress === '::1') return '::1'
  if (serverAddress.startsWith('127.')) return '127.0.0.1'
  return undefined
}

async function resolve(host: string): Promise<{ address: string; family: 4 | 6 }> {
  const family = ipFamily(host)
  if (family !== undefined) return { address: host, family }
  return new Promise((resolve, reject) => {
    dnsLookup(host, (error, address, family) => {
      if (error !== null)
        reject(new InvalidAddressError(`host ${JSON.stringify(host)} was not found (${error.code})`))
      else resolve({ address, family: family === 6 ? 6 : 4 })
    })
  })
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void

/** dgram's lookup: an IP literal is answered at once (node's default defers every send a tick). */
function literalLookup(hostname: string, options: unknown, callback: LookupCallback): void {
  const family = ipFamily(hostname)
  if (family !== undefined) callback(null, hostname, family)
  else dnsLookup(hostname, options as object, callback as never)
}
