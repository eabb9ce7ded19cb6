import {
  type AcceptClient,
  checkedInteger,
  MAX_TIMER_MS,
  type RelayConfig,
  type RelayDirection,
  type RelayInit,
  relayConfig,
  type StreamImpairment,
  validateStreamImpairment,
} from '@protolab/core'

export type { RelayDirection }

/** Construction options of {@link tcpProxy}. */
export interface TcpProxyInit extends RelayInit {
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
  readonly acceptClient?: AcceptClient
}

/** {@link TcpProxyInit} validated, with defaults filled in. */
export interface TcpProxyConfig extends RelayConfig {
  readonly impairment: StreamImpairment
  readonly maxConnections: number
  readonly idleTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly highWaterMarkBytes: number
}

export const DEFAULT_PROXY_MAX_CONNECTIONS = 256
export const DEFAULT_PROXY_IDLE_TIMEOUT_MS = 60_000
export const DEFAULT_PROXY_CONNECT_TIMEOUT_MS = 10_000
export const DEFAULT_PROXY_HIGH_WATER_MARK_BYTES = 1024 * 1024

/**
 * Validates {@link TcpProxyInit}.
 *
 * @throws InvalidAddressError, PortRangeError or InvalidArgumentError naming what is wrong
 */
export function tcpProxyConfig(init: TcpProxyInit): TcpProxyConfig {
  const relay = relayConfig(init)
  const impairment = init.impairment ?? {}
  validateStreamImpairment(impairment)
  return {
    ...relay,
    impairment,
    maxConnections: checkedInteger('maxConnections', init.maxConnections ?? DEFAULT_PROXY_MAX_CONNECTIONS, 1),
    idleTimeoutMs: checkedInteger(
      'idleTimeoutMs',
      init.idleTimeoutMs ?? DEFAULT_PROXY_IDLE_TIMEOUT_MS,
      0,
      MAX_TIMER_MS,
    ),
    connectTimeoutMs: checkedInteger(
      'connectTimeoutMs',
      init.connectTimeoutMs ?? DEFAULT_PROXY_CONNECT_TIMEOUT_MS,
      1,
      MAX_TIMER_MS,
    ),
    highWaterMarkBytes: checkedInteger(
      'highWaterMarkBytes',
      init.highWaterMarkBytes ?? DEFAULT_PROXY_HIGH_WATER_MARK_BYTES,
      1,
    ),
  }
}
