import { isHostName, isIP, isPort } from '../address/index.js'
import { InvalidAddressError, InvalidArgumentError, PortRangeError } from '../errors.js'
import type { SocketAddress } from '../transport/types.js'
import { randomSeed } from './random.js'

/** Which way a relay's impairment applies: `forward` only client → server (the default), or `both` ways. */
export type RelayDirection = 'forward' | 'both'

/** Asked of each client a relay sees; `false` turns it away. */
export type AcceptClient = (client: SocketAddress) => boolean

/** The options every relay (UDP or TCP proxy) takes, whatever it carries. */
export interface RelayInit {
  /** Where clients reach the relay: `host` defaults to 127.0.0.1, `port` to 0 (the OS picks). */
  readonly listen?: { readonly host?: string; readonly port?: number }
  /** The server the relay forwards to. */
  readonly to: { readonly host: string; readonly port: number }
  /** Seed of every impairment decision; default a random one. */
  readonly seed?: number
  /** Which way impairment applies; default `forward`. */
  readonly direction?: RelayDirection
  /** Asked of each client; default: everyone. */
  readonly acceptClient?: AcceptClient
}

/** {@link RelayInit} validated, with defaults filled in. */
export interface RelayConfig {
  readonly listenHost: string
  readonly listenPort: number
  readonly toHost: string
  readonly toPort: number
  readonly seed: number
  readonly direction: RelayDirection
  readonly acceptClient: AcceptClient | undefined
}

/** The host a relay listens on when none is given: loopback only, never every interface by default. */
export const DEFAULT_RELAY_HOST = '127.0.0.1'

/** The longest delay Node's timers take (ms); a longer timeout would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Validates the options every relay shares ({@link RelayInit}) and fills in their defaults.
 *
 * @throws InvalidAddressError, PortRangeError or InvalidArgumentError naming what is wrong
 */
export function relayConfig(init: RelayInit): RelayConfig {
  const listenHost = init.listen?.host ?? DEFAULT_RELAY_HOST
  const listenPort = init.listen?.port ?? 0
  checkHost(listenHost, 'listen')
  if (!isPort(listenPort)) throw new PortRangeError(listenPort)
  checkHost(init.to.host, 'to')
  if (!isPort(init.to.port) || init.to.port === 0) throw new PortRangeError(init.to.port)
  const direction = init.direction ?? 'forward'
  if (direction !== 'forward' && direction !== 'both') {
    throw new InvalidArgumentError(`direction must be forward or both, got ${String(direction)}`)
  }
  const seed = init.seed ?? randomSeed()
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`seed must be a non-negative integer, got ${String(seed)}`)
  }
  const acceptClient = init.acceptClient
  if (acceptClient !== undefined && typeof acceptClient !== 'function') {
    throw new InvalidArgumentError(`acceptClient must be a function, got ${typeof acceptClient}`)
  }
  return {
    listenHost,
    listenPort,
    toHost: init.to.host,
    toPort: init.to.port,
    seed,
    direction,
    acceptClient,
  }
}

/**
 * `value` when it is a safe integer from `minimum` to `maximum`.
 *
 * @throws InvalidArgumentError naming the option `name` and its bounds otherwise
 */
export function checkedInteger(
  name: string,
  value: number,
  minimum: number,
  maximum = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new InvalidArgumentError(
      `${name} must be an integer from ${minimum} to ${maximum}, got ${String(value)}`,
    )
  }
  return value
}

function checkHost(host: string, what: string): void {
  if (host === '' || !(isIP(host) || isHostName(host))) {
    throw new InvalidAddressError(`${what} host ${JSON.stringify(host)} is not an IP address or host name`)
  }
}
