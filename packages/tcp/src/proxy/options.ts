import {
  InvalidAddressError,
  InvalidArgumentError,
  isHostName,
  isIP,
  isPort,
  PortRangeError,
  randomSeed,
  type SocketAddress,
  type StreamImpairment,
  validateStreamImpairment,
} from '@protolab/core'

/** Which way impairment applies: `forward` only client → server (the default), or `both` ways. */
export type RelayDirection = 'forward' | 'both'

/** Construction options of {@link tcpProxy}. */
export interface TcpProxyInit {
  /** Where clients connect: `host` defaults to 127.0.0.1 (give `0.0.0.0` or `::` for every interface), `port` to 0 (the OS picks). */
  readonly listen?: { readonly host?: string; readonly port?: number }
  /** The server each client's connection is relayed to. */
  readonly to: { readonly host: string; readonly port: number }
  /** What to do to the byte streams. Default: nothing (a plain relay). */
  readonly impairment?: StreamImpairment
  /** Seed of every impairment decision; default a random one, readable as `proxy.seed` to repeat the run. */
  readonly seed?: number
  /** `forward` (default): impair client → server bytes only, pass replies untouched. `both`: impair replies too. */
  readonly direction?: RelayDirection
  /** Connections relayed at once; one more is closed as soon as it is accepted, and counted. Default 256. */
  readonly maxConnections?: number
  /** Close a connection (both sides) after this many ms with no bytes to or from the client; 0 = never. Default 60,000. */
  readonly idleTimeoutMs?: number
  /** Give up connecting to the server after this many ms, and reset the client. Default 10,000. */
  readonly connectTimeoutMs?: number
  /** Bytes a direction may hold (delayed, stalled, or waiting for the receiver) before it stops reading. Default 1 MiB. */
  readonly highWaterMarkBytes?: number
  /** Asked of each connection as it is accepted; `false` closes it at once, unread, counted as `denied`. Default: everyone. */
  readonly acceptClient?: (client: SocketAddress) => boolean
}

/** {@link TcpProxyInit} validated, with defaults filled in. */
export interface TcpProxyConfig {
  readonly listenHost: string
  readonly listenPort: number
  readonly toHost: string
  readonly toPort: number
  readonly impairment: StreamImpairment
  readonly seed: number
  readonly direction: RelayDirection
  readonly maxConnections: number
  readonly idleTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly highWaterMarkBytes: number
  readonly acceptClient: ((client: SocketAddress) => boolean) | undefined
}

export const DEFAULT_PROXY_HOST = '127.0.0.1'
export const DEFAULT_PROXY_MAX_CONNECTIONS = 256
export const DEFAULT_PROXY_IDLE_TIMEOUT_MS = 60_000
export const DEFAULT_PROXY_CONNECT_TIMEOUT_MS = 10_000
export const DEFAULT_PROXY_HIGH_WATER_MARK_BYTES = 1024 * 1024

const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Validates {@link TcpProxyInit}.
 *
 * @throws InvalidAddressError, PortRangeError or InvalidArgumentError naming what is wrong
 */
export function tcpProxyConfig(init: TcpProxyInit): TcpProxyConfig {
  const listenHost = init.listen?.host ?? DEFAULT_PROXY_HOST
  const listenPort = init.listen?.port ?? 0
  checkHost(listenHost, 'listen')
  if (!isPort(listenPort)) throw new PortRangeError(listenPort)
  checkHost(init.to.host, 'to')
  if (!isPort(init.to.port) || init.to.port === 0) throw new PortRangeError(init.to.port)
  const impairment = init.impairment ?? {}
  validateStreamImpairment(impairment)
  const direction = init.direction ?? 'forward'
  if (direction !== 'forward' && direction !== 'both') {
    throw new InvalidArgumentError(`direction must be forward or both, got ${String(direction)}`)
  }
  const seed = init.seed ?? randomSeed()
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`seed must be a non-negative integer, got ${String(seed)}`)
  }
  return {
    listenHost,
    listenPort,
    toHost: init.to.host,
    toPort: init.to.port,
    impairment,
    seed,
    direction,
    maxConnections: integer('maxConnections', init.maxConnections ?? DEFAULT_PROXY_MAX_CONNECTIONS, 1),
    idleTimeoutMs: integer(
      'idleTimeoutMs',
      init.idleTimeoutMs ?? DEFAULT_PROXY_IDLE_TIMEOUT_MS,
      0,
      MAX_TIMER_MS,
    ),
    connectTimeoutMs: integer(
      'connectTimeoutMs',
      init.connectTimeoutMs ?? DEFAULT_PROXY_CONNECT_TIMEOUT_MS,
      1,
      MAX_TIMER_MS,
    ),
    highWaterMarkBytes: integer(
      'highWaterMarkBytes',
      init.highWaterMarkBytes ?? DEFAULT_PROXY_HIGH_WATER_MARK_BYTES,
      1,
    ),
    acceptClient: acceptFunction(init.acceptClient),
  }
}

function acceptFunction(
  value: ((client: SocketAddress) => boolean) | undefined,
): ((client: SocketAddress) => boolean) | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidArgumentError(`acceptClient must be a function, got ${typeof value}`)
  }
  return value
}

function checkHost(host: string, what: string): void {
  if (host === '' || !(isIP(host) || isHostName(host))) {
    throw new InvalidAddressError(`${what} host ${JSON.stringify(host)} is not an IP address or host name`)
  }
}

function integer(name: string, value: number, minimum: number, maximum = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new InvalidArgumentError(
      `${name} must be an integer from ${minimum} to ${maximum}, got ${String(value)}`,
    )
  }
  return value
}
