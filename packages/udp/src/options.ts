import {
  type Destination,
  InvalidAddressError,
  InvalidArgumentError,
  ipFamily,
  isHostName,
  isPort,
  type OpenOptions,
  PortRangeError,
} from '@protolab/core'
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_QUEUED_MESSAGES,
  MAX_SOCKET_BUFFER_BYTES,
  MAX_UDP_PAYLOAD_IPV4,
  MAX_UDP_PAYLOAD_IPV6,
} from './constants.js'

/** The kind of datagram socket: IPv4 or IPv6. */
export type UdpSocketType = 'udp4' | 'udp6'

/** Construction options of the UDP transport; every one is optional and validated. */
export interface UdpInit {
  /** IPv4 or IPv6 socket. Default: the family of the bind host, else of the peer, else of the first destination. */
  readonly type?: UdpSocketType
  /**
   * The most bytes of one datagram handed to the reader (1-65535, default 65535); a longer datagram
   * is cut to this length and flagged `truncated`, as `recvfrom(1024)` does.
   */
  readonly maxMessageBytes?: number
  /** Allow sending to broadcast addresses (SO_BROADCAST). Default false. */
  readonly broadcast?: boolean
  /** SO_RCVBUF in bytes. Linux doubles it and caps it at `net.core.rmem_max`; read the result from the endpoint. */
  readonly recvBufferSize?: number
  /** SO_SNDBUF in bytes. Linux doubles it and caps it at `net.core.wmem_max`; read the result from the endpoint. */
  readonly sendBufferSize?: number
  /** SO_REUSEADDR: several sockets that all set it may bind the same port. Default false. */
  readonly reuseAddr?: boolean
  /**
   * How many received datagrams may wait for the reader (default 4096). UDP cannot ask the sender
   * to slow down, so datagrams beyond it are dropped and counted in `endpoint.dropped`. The queue
   * holds at most this many times `maxMessageBytes` bytes.
   */
  readonly maxQueuedMessages?: number
}

/** {@link UdpInit} after validation, with defaults filled in. */
export interface UdpConfig {
  readonly type: UdpSocketType | undefined
  readonly maxMessageBytes: number
  readonly broadcast: boolean
  readonly recvBufferSize: number | undefined
  readonly sendBufferSize: number | undefined
  readonly reuseAddr: boolean
  readonly maxQueuedMessages: number
}

/** What `open` will do: which socket, bound where, connected to whom. */
export interface OpenPlan {
  /** Undefined only when there is neither a bind nor a peer: the first send decides. */
  readonly type: UdpSocketType | undefined
  readonly bind: { readonly host: string; readonly port: number } | undefined
  readonly peer: Destination | undefined
}

const INIT_KEYS = new Set<string>([
  'type',
  'maxMessageBytes',
  'broadcast',
  'recvBufferSize',
  'sendBufferSize',
  'reuseAddr',
  'maxQueuedMessages',
])

/**
 * Validates {@link UdpInit} once, at construction, so nothing is parsed per call.
 * @throws InvalidArgumentError naming the option and what it accepts.
 */
export function resolveInit(init: UdpInit = {}): UdpConfig {
  if (typeof init !== 'object' || init === null)
    throw new InvalidArgumentError('udp() options must be an object')
  for (const key of Object.keys(init)) {
    if (!INIT_KEYS.has(key)) throw new InvalidArgumentError(`unknown udp() option "${key}"`)
  }
  if (init.type !== undefined && init.type !== 'udp4' && init.type !== 'udp6') {
    throw new InvalidArgumentError(`type must be 'udp4' or 'udp6', got ${JSON.stringify(init.type)}`)
  }
  return {
    type: init.type,
    maxMessageBytes:
      integerIn('maxMessageBytes', init.maxMessageBytes, 1, 65535) ?? DEFAULT_MAX_MESSAGE_BYTES,
    broadcast: flag('broadcast', init.broadcast),
    recvBufferSize: integerIn('recvBufferSize', init.recvBufferSize, 1, MAX_SOCKET_BUFFER_BYTES),
    sendBufferSize: integerIn('sendBufferSize', init.sendBufferSize, 1, MAX_SOCKET_BUFFER_BYTES),
    reuseAddr: flag('reuseAddr', init.reuseAddr),
    maxQueuedMessages:
      integerIn('maxQueuedMessages', init.maxQueuedMessages, 1, Number.MAX_SAFE_INTEGER) ??
      DEFAULT_MAX_QUEUED_MESSAGES,
  }
}

/**
 * Validates `open` options and decides the socket type and the bind address.
 * A bind without host takes loopback (`::1` for IPv6); `''`, `0.0.0.0` and `::` mean every interface.
 * @throws PortRangeError, InvalidAddressError
 */
export function planOpen(options: OpenOptions, config: UdpConfig): OpenPlan {
  const peer = options.peer === undefined ? undefined : checkDestination(options.peer)
  const bindHost = options.bind?.host
  if (bindHost !== undefined && typeof bindHost !== 'string') {
    throw new InvalidAddressError('bind host must be a string')
  }
  const type =
    config.type ??
    typeOf(bindHost === undefined ? undefined : hostFamily(bindHost)) ??
    typeOf(peer === undefined ? undefined : ipFamily(peer.address)) ??
    (options.bind !== undefined || peer !== undefined || options.listen === true ? 'udp4' : undefined)

  const peerFamily = peer === undefined ? undefined : ipFamily(peer.address)
  if (type !== undefined && peerFamily !== undefined && peerFamily !== familyOf(type)) {
    throw new InvalidAddressError(`cannot reach ${peer?.address} (IPv${peerFamily}) from a ${type} socket`)
  }
  if (options.bind === undefined && options.listen !== true) return { type, bind: undefined, peer }
  const socketType = type ?? 'udp4'
  const port = options.bind?.port ?? 0
  if (!isPort(port)) throw new PortRangeError(port)
  const host = bindAddress(bindHost, socketType)
  return { type: socketType, bind: { host, port }, peer }
}

/**
 * Validates a destination: a port 1-65535 and an IP literal or host name.
 * @throws PortRangeError, InvalidAddressError
 */
export function checkDestination(destination: Destination): Destination {
  const { address, port } = destination
  if (!isPort(port)) throw new PortRangeError(port)
  if (port === 0) throw new InvalidAddressError('port 0 cannot be a destination')
  if (typeof address !== 'string' || (ipFamily(address) === undefined && !isHostName(address))) {
    throw new InvalidAddressError(`${JSON.stringify(address)} is not an IP address or host name`)
  }
  return destination
}

/** The largest payload a socket of `type` can send in one datagram. */
export function maxPayloadOf(type: UdpSocketType): number {
  return type === 'udp6' ? MAX_UDP_PAYLOAD_IPV6 : MAX_UDP_PAYLOAD_IPV4
}

/** The socket type a first send to `address` needs when no type was given. */
export function typeForDestination(address: string, config: UdpConfig): UdpSocketType {
  return config.type ?? (ipFamily(address) === 6 ? 'udp6' : 'udp4')
}

/** The wildcard address of a socket type: where a socket bound implicitly listens. */
export function wildcardOf(type: UdpSocketType): string {
  return type === 'udp6' ? '::' : '0.0.0.0'
}

function bindAddress(host: string | undefined, type: UdpSocketType): string {
  if (host === undefined) return type === 'udp6' ? '::1' : '127.0.0.1'
  if (host === '') return wildcardOf(type)
  const family = ipFamily(host)
  if (family === undefined) {
    if (isHostName(host)) return host
    throw new InvalidAddressError(`bind host ${JSON.stringify(host)} is not an IP address or host name`)
  }
  if (family !== familyOf(type)) {
    throw new InvalidAddressError(`cannot bind ${host} (IPv${family}) on a ${type} socket`)
  }
  return host
}

function hostFamily(host: string): 4 | 6 | undefined {
  if (host === '') return undefined
  return ipFamily(host)
}

function typeOf(family: 4 | 6 | undefined): UdpSocketType | undefined {
  return family === undefined ? undefined : family === 6 ? 'udp6' : 'udp4'
}

function familyOf(type: UdpSocketType): 4 | 6 {
  return type === 'udp6' ? 6 : 4
}

function integerIn(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean')
    throw new InvalidArgumentError(`${name} must be a boolean, got ${String(value)}`)
  return value
}
