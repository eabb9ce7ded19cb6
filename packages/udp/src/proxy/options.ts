import {
  type AcceptClient,
  checkedInteger,
  type DatagramImpairment,
  MAX_TIMER_MS,
  type RelayConfig,
  type RelayDirection,
  type RelayInit,
  relayConfig,
  validateDatagramImpairment,
} from '@protolab/core'
import { MAX_SOCKET_BUFFER_BYTES } from '../constants.js'

export type { RelayDirection }

/** Construction options of {@link udpProxy}. */
export interface UdpProxyInit extends RelayInit {
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
  readonly acceptClient?: AcceptClient
}

/** {@link UdpProxyInit} validated, with defaults filled in. */
export interface UdpProxyConfig extends RelayConfig {
  readonly impairment: DatagramImpairment
  readonly maxClients: number
  readonly idleTimeoutMs: number
  readonly maxQueuedDatagrams: number
  readonly socketBufferBytes: number | undefined
}

export const DEFAULT_MAX_CLIENTS = 1024
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000
export const DEFAULT_MAX_QUEUED_DATAGRAMS = 65_536

/**
 * Validates {@link UdpProxyInit}.
 *
 * @throws InvalidAddressError, PortRangeError or InvalidArgumentError naming what is wrong
 */
export function udpProxyConfig(init: UdpProxyInit): UdpProxyConfig {
  const relay = relayConfig(init)
  const impairment = init.impairment ?? {}
  validateDatagramImpairment(impairment)
  const socketBufferBytes = init.socketBufferBytes
  if (socketBufferBytes !== undefined)
    checkedInteger('socketBufferBytes', socketBufferBytes, 1, MAX_SOCKET_BUFFER_BYTES)
  return {
    ...relay,
    impairment,
    maxClients: checkedInteger('maxClients', init.maxClients ?? DEFAULT_MAX_CLIENTS, 1),
    idleTimeoutMs: checkedInteger(
      'idleTimeoutMs',
      init.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      1,
      MAX_TIMER_MS,
    ),
    maxQueuedDatagrams: checkedInteger(
      'maxQueuedDatagrams',
      init.maxQueuedDatagrams ?? DEFAULT_MAX_QUEUED_DATAGRAMS,
      1,
    ),
    socketBufferBytes,
  }
}
