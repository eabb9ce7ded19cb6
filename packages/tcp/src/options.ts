import {
  DEFAULT_MAX_FRAME_BYTES,
  type Framing,
  type FramingName,
  getFraming,
  InvalidAddressError,
  InvalidArgumentError,
  isFramingName,
  isHostName,
  isIP,
  type OpenOptions,
  parsePort,
} from '@protolab/core'
import { DEFAULT_HIGH_WATER_MARK_BYTES, DEFAULT_LISTEN_HOST } from './constants.js'

/** Construction options of {@link tcp}. Every field is optional; a bad value throws InvalidArgumentError. */
export interface TcpInit {
  /** How messages are cut out of the byte stream: a {@link Framing} or its name. Default `'line'`, as nc sends. */
  readonly framing?: Framing | FramingName
  /** Largest frame received or sent, in bytes; a peer sending a larger one is disconnected. Default 16 MiB (core's). */
  readonly maxFrameBytes?: number
  /** Disable Nagle's algorithm, so a small message leaves at once. Default `true`. */
  readonly noDelay?: boolean
  /** Listener: most peers connected at once; one more is closed as soon as it is accepted, and counted. Default unlimited. */
  readonly maxConnections?: number
  /** Disconnect a peer (ERR_TIMEOUT) after this many ms with nothing sent or received; 0 = never. Default 0. */
  readonly idleTimeoutMs?: number
  /** Bytes of writes a connection holds before `send()` waits for them to drain. Default 1 MiB. */
  readonly highWaterMark?: number
  /** TCP keep-alive probes: `true` with the OS's delay, or the idle time in ms before the first probe. Default off. */
  readonly keepAlive?: boolean | number
}

/** {@link TcpInit} checked, with every default filled in. */
export interface TcpSettings {
  readonly framing: Framing
  readonly maxFrameBytes: number
  readonly noDelay: boolean
  readonly maxConnections: number
  readonly idleTimeoutMs: number
  readonly highWaterMark: number
  readonly keepAlive: boolean
  readonly keepAliveInitialDelayMs: number
}

/** What `open()` was asked to do, checked. */
export type OpenPlan =
  | {
      readonly kind: 'listen'
      /** The host handed to `listen()`: undefined means every interface. */
      readonly host: string | undefined
      readonly port: number
      readonly signal: AbortSignal | undefined
    }
  | {
      readonly kind: 'connect'
      readonly address: string
      readonly port: number
      readonly localAddress: string | undefined
      readonly localPort: number | undefined
      readonly signal: AbortSignal | undefined
    }

const INIT_KEYS = new Set<string>([
  'framing',
  'maxFrameBytes',
  'noDelay',
  'maxConnections',
  'idleTimeoutMs',
  'highWaterMark',
  'keepAlive',
])
const OPEN_KEYS = new Set<string>(['bind', 'peer', 'listen', 'signal'])
/** Node's timers hold at most 2^31-1 ms; a larger value would silently become 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Checks a {@link TcpInit} and fills in the defaults.
 * @throws InvalidArgumentError naming the option and the value it cannot take.
 */
export function resolveTcpInit(init: TcpInit = {}): TcpSettings {
  checkKeys(init, INIT_KEYS, 'TcpInit')
  const keepAlive = init.keepAlive ?? false
  if (typeof keepAlive !== 'boolean' && !isWholeNumber(keepAlive, 0, MAX_TIMER_MS)) {
    throw invalid('keepAlive', keepAlive, 'true, false, or a delay in ms (an integer 0 or more)')
  }
  return {
    framing: resolveFraming(init.framing ?? 'line'),
    maxFrameBytes: wholeNumber('maxFrameBytes', init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, 1),
    noDelay: flag('noDelay', init.noDelay ?? true),
    maxConnections:
      init.maxConnections === undefined || init.maxConnections === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : wholeNumber('maxConnections', init.maxConnections, 1),
    idleTimeoutMs: wholeNumber('idleTimeoutMs', init.idleTimeoutMs ?? 0, 0, MAX_TIMER_MS),
    highWaterMark: wholeNumber('highWaterMark', init.highWaterMark ?? DEFAULT_HIGH_WATER_MARK_BYTES, 1),
    keepAlive: keepAlive !== false,
    keepAliveInitialDelayMs: typeof keepAlive === 'number' ? keepAlive : 0,
  }
}

/**
 * Checks the options of one `open()`: a listener (`listen: true`, optional `bind`) or a client
 * (`peer`, optional `bind` for the local end).
 * @throws InvalidArgumentError for a missing or contradictory option.
 * @throws InvalidAddressError or PortRangeError for a bad host or port.
 */
export function resolveOpenOptions(options: OpenOptions | undefined): OpenPlan {
  if (options === undefined) {
    throw new InvalidArgumentError('a TCP endpoint needs `peer` to connect to, or `listen: true`')
  }
  checkKeys(options, OPEN_KEYS, 'OpenOptions')
  const { bind, peer, listen, signal } = options
  if (listen !== undefined) flag('listen', listen)
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalid('signal', signal, 'an AbortSignal')
  }
  const bindHost = bind?.host === undefined ? undefined : checkHost(bind.host, 'bind.host', true)
  const bindPort = bind?.port === undefined ? undefined : parsePort(bind.port)
  if (listen === true) {
    if (peer !== undefined) {
      throw new InvalidArgumentError(
        'a TCP endpoint either listens (`listen: true`) or connects (`peer`), not both',
      )
    }
    const host = bindHost ?? DEFAULT_LISTEN_HOST
    return { kind: 'listen', host: host === '' ? undefined : host, port: bindPort ?? 0, signal }
  }
  if (peer === undefined) {
    throw new InvalidArgumentError('a TCP endpoint needs `peer` to connect to, or `listen: true`')
  }
  const address = checkHost(peer.address, 'peer.address', false)
  const port = parsePort(peer.port)
  if (port === 0) throw new InvalidAddressError('cannot connect to port 0: give the port the peer listens on')
  return {
    kind: 'connect',
    address,
    port,
    // An empty or absent host lets the OS pick the local address matching the peer's family.
    localAddress: bindHost === '' ? undefined : bindHost,
    localPort: bindPort,
    signal,
  }
}

function resolveFraming(framing: Framing | FramingName): Framing {
  if (typeof framing === 'string') {
    if (!isFramingName(framing)) throw invalid('framing', framing, "'line', 'length', 'raw' or a Framing")
    return getFraming(framing)
  }
  if (
    typeof framing !== 'object' ||
    framing === null ||
    typeof framing.encode !== 'function' ||
    typeof framing.createDecoder !== 'function'
  ) {
    throw invalid('framing', framing, "'line', 'length', 'raw' or a Framing")
  }
  return framing
}

function checkHost(host: unknown, name: string, emptyAllowed: boolean): string {
  if (typeof host !== 'string') throw new InvalidAddressError(`${name} must be a string, got ${typeof host}`)
  if (host === '' && emptyAllowed) return host
  if (isIP(host) || isHostName(host)) return host
  throw new InvalidAddressError(`${name} "${host}" is neither an IP address nor a host name`)
}

function checkKeys(value: object, known: ReadonlySet<string>, what: string): void {
  if (typeof value !== 'object' || value === null) throw invalid(what, value, 'an object')
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw new InvalidArgumentError(`${what} has no option "${key}" (known: ${[...known].join(', ')})`)
    }
  }
}

function wholeNumber(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!isWholeNumber(value, min, max)) throw invalid(name, value, `an integer from ${min} to ${max}`)
  return value
}

function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
}

function flag(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(name, value, 'true or false')
  return value
}

function invalid(name: string, value: unknown, expected: string): InvalidArgumentError {
  const shown = typeof value === 'string' ? `"${value}"` : String(value)
  return new InvalidArgumentError(`${name} cannot be ${shown}: expected ${expected}`)
}
