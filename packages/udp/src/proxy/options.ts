import {
  type DatagramImpairment,
  InvalidAddressError,
  InvalidArgumentError,
  isHostName,
  isIP,
  isPort,
  PortRangeError,
  randomSeed,
  type SocketAddress,
  validateDatagramImpairment,
} from '@protolab/core'

/** Which way impairment applies: `forward` only client → server (the default), or `both` ways. */
export type RelayDirection = 'forward' | 'both'

/** Construction options of {@link udpProxy}. */
export interface UdpProxyInit {
  /** Where clients send: `host` defaults to 127.0.0.1 (give `0.0.0.0` or `::` for every interface), `port` to 0 (the OS picks). */
  readonly listen?: { readonly host?: string; readonly port?: number }
  /** The server datagrams are relayed to. */
  readonly to: { readonly host: string; readonly port: number }
  /** What to do to the datagrams. Default: nothing (a plain relay). */
  readonly impairment?: DatagramImpairment
  /** Seed of every impairment decision; default a random one, readable as `proxy.seed` to repeat the run. */
  readonly seed?: number
  /**
   * `forward` (default): impair client → server datagrams and pass replies untouched, so a lab
   * measures one impaired path. `both`: impair replies too, with decisions of their own.
   */
  readonly direction?: RelayDirection
  /** Clients relayed at once (each has its own upstream socket); datagrams from more are dropped and counted. Default 1024. */
  readonly maxClients?: number
  /** A client silent this long (ms) is forgotten and its upstream socket closed. Default 60,000. */
  readonly idleTimeoutMs?: number
  /** Datagrams waiting in delay or reordering, all clients together; more are dropped as `queue`. Default 65,536. */
  readonly maxQueuedDatagrams?: number
  /** SO_RCVBUF and SO_SNDBUF of every socket of the relay, in bytes (the OS default when absent). */
  readonly socketBufferBytes?: number
  /** Asked of each new client (its first datagram, and each one while refused); `false` drops it, counted as `denied`. Default: everyone. */
  readonly acceptClient?: (client: SocketAddress) => boolean
}

/** {@link UdpProxyInit} validated, with defaults filled in. */
export interface UdpProxyConfig {
  readonly listenHost: string
  readonly listenPort: number
  readonly toHost: string
  readonly toPort: number
  readonly impairment: DatagramImpairment
  readonly seed: number
  readonly direction: RelayDirection
  readonly maxClients: number
  readonly idleTimeoutMs: number
  readonly maxQueuedDatagrams: number
  readonly socketBufferBytes: number | undefined
  readonly acceptClient: ((client: SocketAddress) => boolean) | undefined
}

export const DEFAULT_PROXY_HOST = '127.0.0.1'
export const DEFAULT_MAX_CLIENTS = 1024
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000
export const DEFAULT_MAX_QUEUED_DATAGRAMS = 65_536

/**
 * Validates {@link UdpProxyInit}.
 *
 * @throws InvalidAddressError, PortRangeError or InvalidArgumentError naming what is wrong
 */
export function udpProxyConfig(init: UdpProxyInit): UdpProxyConfig {
  const listenHost = init.listen?.host ?? DEFAULT_PROXY_HOST
  const listenPort = init.listen?.port ?? 0
  checkHost(listenHost, 'listen')
  if (!isPort(listenPort)) throw new PortRangeError(listenPort)
  checkHost(init.to.host, 'to')
  if (!isPort(init.to.port) || init.to.port === 0) throw new PortRangeError(init.to.port)
  const impairment = init.impairment ?? {}
  validateDatagramImpairment(impairment)
  const direction = init.direction ?? 'forward'
  if (direction !== 'forward' && direction !== 'both') {
    throw new InvalidArgumentError(`direction must be forward or both, got ${String(direction)}`)
  }
  const seed = init.seed ?? randomSeed()
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`seed must be a non-negative integer, got ${String(seed)}`)
  }
  const socketBufferBytes = init.socketBufferBytes
  if (socketBufferBytes !== undefined) positiveInteger('socketBufferBytes', socketBufferBytes, 2 ** 31 - 1)
  return {
    listenHost,
    listenPort,
    toHost: init.to.host,
    toPort: init.to.port,
    impairment,
    seed,
    direction,
    maxClients: positiveInteger('maxClients', init.maxClients ?? DEFAULT_MAX_CLIENTS),
    idleTimeoutMs: positiveInteger(
      'idleTimeoutMs',
      init.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      2 ** 31 - 1,
    ),
    maxQueuedDatagrams: positiveInteger(
      'maxQueuedDatagrams',
      init.maxQueuedDatagrams ?? DEFAULT_MAX_QUEUED_DATAGRAMS,
    ),
    socketBufferBytes,
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

function positiveInteger(name: string, value: number, maximum = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > maximum) {
    throw new InvalidArgumentError(`${name} must be an integer from 1 to ${maximum}, got ${String(value)}`)
  }
  return value
}
