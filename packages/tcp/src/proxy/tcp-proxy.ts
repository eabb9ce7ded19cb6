import net, { type Server, type Socket } from 'node:net'
import { type SocketAddress, StreamImpairer } from '@protolab/core'
import { toProtolabError } from '../errors.js'
import { ImpairedPipe } from './impaired-pipe.js'
import { type TcpProxyConfig, type TcpProxyInit, tcpProxyConfig } from './options.js'
import { StreamCounts, type TcpProxyStats } from './stats.js'

/** A running TCP relay; see {@link tcpProxy}. */
export interface TcpProxy {
  /** Resolves once the relay listens; rejects with a ProtolabError (port in use, address not available). */
  readonly listening: Promise<void>
  /** Where clients connect, once listening. */
  readonly address: SocketAddress | undefined
  /** The seed of every impairment decision (given or drawn): pass it again to repeat a run. */
  readonly seed: number
  /** What the relay has done so far. */
  stats(): TcpProxyStats
  /** Stops listening and destroys every relayed connection and timer. */
  close(): Promise<void>
}

/**
 * Starts a TCP relay with seeded impairment: each accepted connection is relayed to `to` over a
 * connection of its own, both ways, through the {@link StreamImpairer} model: delay and jitter
 * (order kept), rate limit, slicing into small writes, stalls, resets (RST to both sides) and
 * modelled loss (a lost segment and the bytes after it are held for as long as Linux TCP's
 * recovery would take: RACK, tail-loss probe, RTO; TCP itself loses nothing here). By default only client → server bytes are impaired (`direction: 'forward'`).
 *
 * Half-closes travel through (a client's FIN reaches the server after its last delayed byte), and
 * an abort on one side becomes a reset on the other. Reading pauses when a direction holds
 * `highWaterMarkBytes`, so a fast sender is slowed down instead of filling memory.
 *
 * @throws InvalidAddressError, PortRangeError or InvalidArgumentError when `init` is invalid
 */
export function tcpProxy(init: TcpProxyInit): TcpProxy {
  return new TcpRelay(tcpProxyConfig(init))
}

/** The two sockets of a relayed connection and the pipes between them. */
class RelayedConnection {
  private readonly pipes: ImpairedPipe[] = []
  private connectTimer: NodeJS.Timeout | undefined
  private finished = false

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    private readonly onFinish: (connection: RelayedConnection) => void,
  ) {
    client.on('error', () => this.abort(upstream))
    upstream.on('error', () => this.abort(client))
    let open = 2
    const closed = (): void => {
      if (--open === 0) this.finish()
    }
    client.once('close', closed)
    upstream.once('close', closed)
  }

  /** Called once the server accepted: starts both pipes and the client's reading. */
  start(
    toServer: StreamImpairer | undefined,
    toClient: StreamImpairer | undefined,
    config: TcpProxyConfig,
    counts: {
      toServer: StreamCounts
      toClient: StreamCounts
    },
  ): void {
    const reset = (): void => this.reset()
    this.pipes.push(
      new ImpairedPipe(
        this.client,
        this.upstream,
        toServer,
        counts.toServer,
        config.highWaterMarkBytes,
        reset,
      ),
      new ImpairedPipe(
        this.upstream,
        this.client,
        toClient,
        counts.toClient,
        config.highWaterMarkBytes,
        reset,
      ),
    )
    if (config.idleTimeoutMs > 0) {
      this.client.setTimeout(config.idleTimeoutMs, () => this.destroy())
    }
    this.client.resume()
  }

  /** Resets both sides (RST), as the impairment asked. */
  reset(): void {
    for (const pipe of this.pipes) pipe.stop()
    resetSocket(this.client)
    resetSocket(this.upstream)
  }

  /** Destroys both sides (relay closing, idle, or connect timeout). */
  destroy(): void {
    for (const pipe of this.pipes) pipe.stop()
    this.client.destroy()
    this.upstream.destroy()
  }

  setConnectTimer(timer: NodeJS.Timeout): void {
    this.connectTimer = timer
  }

  clearConnectTimer(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer)
    this.connectTimer = undefined
  }

  /** One side failed or was reset: reset the other, so an abort looks like an abort at both ends. */
  private abort(other: Socket): void {
    for (const pipe of this.pipes) pipe.stop()
    resetSocket(other)
  }

  private finish(): void {
    if (this.finished) return
    this.finished = true
    this.clearConnectTimer()
    for (const pipe of this.pipes) pipe.stop()
    this.onFinish(this)
  }
}

class TcpRelay implements TcpProxy {
  readonly listening: Promise<void>
  readonly seed: number
  private readonly config: TcpProxyConfig
  private readonly server: Server
  private readonly connections = new Set<RelayedConnection>()
  private readonly counts = { toServer: new StreamCounts(), toClient: new StreamCounts() }
  private boundAddress: SocketAddress | undefined
  private accepted = 0
  private refused = 0
  private denied = 0
  private failed = 0
  private closing: Promise<void> | undefined

  constructor(config: TcpProxyConfig) {
    this.config = config
    this.seed = config.seed
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) =>
      this.accept(client),
    )
    this.server.maxConnections = config.maxConnections
    this.server.on('drop', () => this.refused++)
    this.listening = this.listen()
    this.listening.catch(() => this.close())
  }

  get address(): SocketAddress | undefined {
    return this.boundAddress
  }

  stats(): TcpProxyStats {
    return {
      connections: this.connections.size,
      accepted: this.accepted,
      refused: this.refused,
      denied: this.denied,
      failed: this.failed,
      toServer: this.counts.toServer.snapshot(),
      toClient: this.counts.toClient.snapshot(),
    }
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const connection of this.connections) connection.destroy()
      this.server.close(() => resolve())
    })
    return this.closing
  }

  private listen(): Promise<void> {
    const { listenHost, listenPort } = this.config
    return new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void =>
        reject(toProtolabError(error, { kind: 'listen', address: listenHost, port: listenPort }))
      this.server.once('error', onError)
      this.server.listen({ host: listenHost, port: listenPort, exclusive: true }, () => {
        this.server.off('error', onError)
        const bound = this.server.address()
        if (bound !== null && typeof bound === 'object') {
          this.boundAddress = {
            address: bound.address,
            port: bound.port,
            family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4',
          }
        }
        resolve()
      })
    })
  }

  private accept(client: Socket): void {
    if (this.closing !== undefined) {
      client.destroy()
      return
    }
    if (this.config.acceptClient !== undefined && !this.config.acceptClient(clientAddress(client))) {
      // Accepted paused (pauseOnConnect): nothing it sent was read, and nothing is sent to the server.
      this.denied++
      client.on('error', () => {})
      client.destroy()
      return
    }
    const index = this.accepted++
    client.setNoDelay(true)
    const upstream = net.connect({
      host: this.config.toHost,
      port: this.config.toPort,
      allowHalfOpen: true,
      noDelay: true,
    })
    const connection = new RelayedConnection(client, upstream, (done) => this.connections.delete(done))
    this.connections.add(connection)
    let connected = false
    const failed = (): void => {
      if (connected) return
      connected = true // counted once, whether by the error or the timer
      this.failed++
      connection.clearConnectTimer()
      upstream.destroy()
      resetSocket(client)
    }
    upstream.once('error', failed)
    connection.setConnectTimer(setTimeout(failed, this.config.connectTimeoutMs))
    upstream.once('connect', () => {
      connected = true
      connection.clearConnectTimer()
      const impairer = (stream: number) =>
        new StreamImpairer({ impairment: this.config.impairment, seed: this.config.seed, stream })
      connection.start(
        impairer(2 * index),
        this.config.direction === 'both' ? impairer(2 * index + 1) : undefined,
        this.config,
        this.counts,
      )
    })
  }
}

/** Closes with RST when the socket is still open, else just makes sure it is destroyed. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return
  if (socket.connecting || socket.readyState === 'closed') socket.destroy()
  else socket.resetAndDestroy()
}

/** The peer of an accepted socket, as the OS reported it. */
function clientAddress(socket: Socket): SocketAddress {
  return {
    address: socket.remoteAddress ?? '',
    port: socket.remotePort ?? 0,
    family: socket.remoteFamily === 'IPv6' ? 'IPv6' : 'IPv4',
  }
}
