import { EventEmitter } from 'node:events'
import { formatIP, ipFamily, parseIP } from '../address/ip.js'
import {
  AbortError,
  ClosedError,
  InvalidAddressError,
  InvalidArgumentError,
  PeerUnreachableError,
  PortInUseError,
  PortRangeError,
  ProtolabError,
} from '../errors.js'
import { monotonicMs } from '../transport/clock.js'
import { MessageQueue } from '../transport/message-queue.js'
import type {
  Destination,
  Endpoint,
  EndpointEvents,
  Message,
  OpenOptions,
  Semantics,
  SocketAddress,
  Transport,
} from '../transport/types.js'

/** What the in-memory transport promises unless told otherwise: every message, in order, whole, no connection. */
export const MEMORY_SEMANTICS: Semantics = Object.freeze({
  reliable: true,
  ordered: true,
  messageBoundaries: true,
  connectionOriented: false,
})

/** Where OS-chosen ports start, as on Linux' dynamic range (RFC 6335). */
const FIRST_EPHEMERAL_PORT = 49152
const LAST_PORT = 65535
const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::'])

/**
 * A transport inside one process: endpoints bind loopback addresses in a shared in-process registry
 * and hand each other copies of the bytes. It delivers every message, in order, at once, so lab logic
 * can be tested without sockets and without timing noise, and it passes the compliance suite.
 *
 * `semantics` only changes what it declares, and, with `connectionOriented`, that a peer must be
 * listening when an endpoint opens with `peer`. Hosts are IP literals of loopback (`127.0.0.0/8`,
 * `::1`) or the wildcards `''`, `0.0.0.0`, `::`; host names are not resolved.
 */
export function memoryTransport(semantics: Partial<Semantics> = {}): Transport {
  const declared = { ...MEMORY_SEMANTICS, ...semantics }
  for (const [key, value] of Object.entries(declared)) {
    if (!(key in MEMORY_SEMANTICS)) throw new InvalidArgumentError(`unknown semantics property "${key}"`)
    if (typeof value !== 'boolean') throw new InvalidArgumentError(`semantics.${key} must be a boolean`)
  }
  return new MemoryTransport(Object.freeze(declared))
}

class MemoryTransport implements Transport {
  readonly name = 'memory'
  constructor(readonly semantics: Semantics) {}

  async open(options: OpenOptions = {}): Promise<Endpoint> {
    if (options.signal?.aborted === true) throw new AbortError()
    const bind = options.bind === undefined ? undefined : checkBind(options.bind.host, options.bind.port)
    const peer = options.peer === undefined ? undefined : checkDestination(options.peer)
    const endpoint = new MemoryEndpoint(this.semantics)
    if (bind !== undefined) endpoint.bind(bind.host, bind.port)
    else if (peer !== undefined) endpoint.bind(loopbackFor(peer.address), 0)
    if (peer !== undefined) endpoint.connect(peer)
    return endpoint
  }
}

class MemoryEndpoint extends EventEmitter<EndpointEvents> implements Endpoint {
  localAddress: SocketAddress | undefined
  remoteAddress: SocketAddress | undefined
  closed = false
  private readonly queue = new MessageQueue<Message>()
  private readonly heard = new Map<string, SocketAddress>()
  private connectedTo: MemoryEndpoint | undefined

  constructor(readonly semantics: Semantics) {
    super()
  }

  get peers(): readonly SocketAddress[] {
    return [...this.heard.values()]
  }

  bind(host: string, port: number): void {
    this.localAddress = REGISTRY.bind(this, host, port)
  }

  connect(peer: Destination): void {
    this.remoteAddress = socketAddress(peer.address, peer.port)
    if (!this.semantics.connectionOriented) return
    const server = REGISTRY.find(peer.address, peer.port)
    if (server === undefined || server.closed) {
      this.close()
      throw new PeerUnreachableError(peer.address, peer.port)
    }
    this.connectedTo = server
    server.hear(this.localAddress as SocketAddress)
  }

  send(payload: Uint8Array, to?: Destination): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError())
    try {
      const destination = to === undefined ? this.remoteAddress : checkDestination(to)
      if (destination === undefined) {
        throw new ProtolabError('ERR_NOT_CONNECTED', 'send needs a destination: this endpoint has no peer')
      }
      if (this.localAddress === undefined) this.bind(loopbackFor(destination.address), 0)
      const target = REGISTRY.find(destination.address, destination.port)
      if (target === undefined || target.closed)
        throw new PeerUnreachableError(destination.address, destination.port)
      target.deliver(payload.slice(), this.sourceFor(destination.address))
      return Promise.resolve()
    } catch (error) {
      return Promise.reject(error)
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.closed = true
    if (this.localAddress !== undefined) REGISTRY.unbind(this.localAddress)
    if (this.connectedTo !== undefined && this.localAddress !== undefined)
      this.connectedTo.forget(this.localAddress)
    this.queue.end()
    return Promise.resolve()
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.queue[Symbol.asyncIterator]()
  }

  /** The address a message appears to come from: a wildcard-bound endpoint speaks from loopback, as the OS would pick. */
  private sourceFor(destination: string): SocketAddress {
    const local = this.localAddress as SocketAddress
    if (local.address !== '0.0.0.0' && local.address !== '::') return local
    return socketAddress(loopbackFor(destination), local.port)
  }

  private deliver(payload: Uint8Array, from: SocketAddress): void {
    // Like a connected UDP socket, an endpoint with a peer hears only that peer.
    const remote = this.remoteAddress
    if (remote !== undefined && (remote.address !== from.address || remote.port !== from.port)) return
    this.hear(from)
    this.queue.push({ payload, from, receivedAt: monotonicMs(), truncated: false })
  }

  private hear(peer: SocketAddress): void {
    const key = `${peer.address} ${peer.port}`
    if (this.heard.has(key)) return
    this.heard.set(key, peer)
    this.emit('connect', peer)
  }

  private forget(peer: SocketAddress): void {
    if (this.heard.delete(`${peer.address} ${peer.port}`)) this.emit('disconnect', peer)
  }
}

/** The in-process table of bound addresses: port, then host (a wildcard as `0.0.0.0` or `::`). */
class Registry {
  private readonly ports = new Map<number, Map<string, MemoryEndpoint>>()
  private nextEphemeral = FIRST_EPHEMERAL_PORT

  bind(endpoint: MemoryEndpoint, host: string, port: number): SocketAddress {
    const chosen = port === 0 ? this.ephemeralPort(host) : port
    const hosts = this.ports.get(chosen) ?? new Map<string, MemoryEndpoint>()
    const wildcard = host === '0.0.0.0' || host === '::'
    if (hosts.has(host) || hosts.has('::') || hosts.has('0.0.0.0') || (wildcard && hosts.size > 0)) {
      throw new PortInUseError(host, chosen)
    }
    hosts.set(host, endpoint)
    this.ports.set(chosen, hosts)
    return socketAddress(host, chosen)
  }

  unbind(local: SocketAddress): void {
    const hosts = this.ports.get(local.port)
    hosts?.delete(local.address)
    if (hosts?.size === 0) this.ports.delete(local.port)
  }

  find(address: string, port: number): MemoryEndpoint | undefined {
    const hosts = this.ports.get(port)
    if (hosts === undefined) return undefined
    return hosts.get(address) ?? hosts.get('::') ?? (address.includes(':') ? undefined : hosts.get('0.0.0.0'))
  }

  private ephemeralPort(host: string): number {
    for (let tries = 0; tries <= LAST_PORT - FIRST_EPHEMERAL_PORT; tries++) {
      const port = this.nextEphemeral
      this.nextEphemeral = port === LAST_PORT ? FIRST_EPHEMERAL_PORT : port + 1
      if (!this.ports.has(port)) return port
    }
    throw new PortInUseError(host, 0)
  }
}

const REGISTRY = new Registry()

function checkBind(host: unknown = '127.0.0.1', port: unknown = 0): { host: string; port: number } {
  if (!isPortNumber(port)) throw new PortRangeError(port)
  if (typeof host !== 'string') throw new InvalidAddressError('bind host must be a string')
  if (WILDCARD_HOSTS.has(host)) return { host: host === '::' ? '::' : '0.0.0.0', port }
  const address = normalize(host)
  if (!isLoopback(address)) {
    throw new ProtolabError(
      'ERR_ADDRESS_NOT_AVAILABLE',
      `${address} is not an address of the in-memory network`,
    )
  }
  return { host: address, port }
}

function checkDestination(destination: Destination): Destination {
  if (!isPortNumber(destination.port)) throw new PortRangeError(destination.port)
  if (destination.port === 0) throw new InvalidAddressError('port 0 is not a destination')
  return { address: normalize(destination.address), port: destination.port }
}

function normalize(host: unknown): string {
  if (typeof host !== 'string' || ipFamily(host) === undefined) {
    throw new InvalidAddressError(
      `${JSON.stringify(host)} is not an IP address (the in-memory network resolves no names)`,
    )
  }
  return formatIP(parseIP(host).bytes)
}

function isPortNumber(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= LAST_PORT
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.')
}

function loopbackFor(address: string): string {
  return address.includes(':') ? '::1' : '127.0.0.1'
}

function socketAddress(address: string, port: number): SocketAddress {
  return Object.freeze({ address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' })
}
