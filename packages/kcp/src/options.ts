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
import type { ArqConfig } from './arq/control-block.js'
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LISTEN_HOST,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_QUEUED_MESSAGES,
  DEFAULT_MTU,
  DEFAULT_RCVWND,
  DEFAULT_SNDWND,
  MAX_MTU,
  MIN_MTU,
} from './constants.js'
import { DEFAULT_PRESET, type KcpPreset, PRESETS } from './presets.js'

/**
 * Construction options of {@link kcp}. The ARQ knobs are ikcp's and kcp-go's; a preset sets the
 * four of `SetNoDelay` and any knob given beside it wins. Every field is optional and checked.
 */
export interface KcpInit {
  /** `default`, `normal`, `fast`, `fast2` or `fast3`, as kcptun names kcp-go's modes. Default `fast`. */
  readonly preset?: KcpPreset
  /** Minimum RTO 30 ms instead of 100, gentler backoff. */
  readonly nodelay?: boolean
  /** Milliseconds between flushes of ACKs and resends, 10-5000. */
  readonly interval?: number
  /** Fast resend after this many skipping ACKs; 0 = off. */
  readonly resend?: number
  /** No congestion control. */
  readonly nc?: boolean
  /** Send window in segments (1-65535). Default 128. */
  readonly sndwnd?: number
  /** Receive window in segments (1-65535); a message may have at most this many fragments. Default 128. */
  readonly rcvwnd?: number
  /** Largest datagram in bytes, 50-1500 (kcp-go reads at most 1500). Default 1400. */
  readonly mtu?: number
  /** Stream mode: writes are merged into full segments and message boundaries are not kept. Default false. */
  readonly stream?: boolean
  /** ACK each data segment at once rather than on the next flush. Default false, as kcp-go. */
  readonly ackNoDelay?: boolean
  /** Listener: sessions at once; datagrams that would open one more are dropped and counted. Default 256. */
  readonly maxConnections?: number
  /** A session that heard nothing, or whose data in flight saw no ACK, for this long ends (ERR_TIMEOUT); 0 = never. Default 30,000. */
  readonly idleTimeoutMs?: number
  /** How long `close()` waits for the peer to acknowledge what was sent. Default 5,000. */
  readonly closeTimeoutMs?: number
  /** Received messages waiting for the reader before sessions stop draining and windows close. Default 4,096. */
  readonly maxQueuedMessages?: number
}

/** {@link KcpInit} checked, with every default filled in. */
export interface KcpConfig {
  readonly preset: KcpPreset
  readonly arq: ArqConfig
  readonly maxConnections: number
  readonly idleTimeoutMs: number
  readonly closeTimeoutMs: number
  readonly maxQueuedMessages: number
}

/** What `open()` will do. */
export interface OpenPlan {
  readonly kind: 'listen' | 'dial'
  readonly type: 'udp4' | 'udp6'
  readonly bind: { readonly host: string; readonly port: number } | undefined
  readonly peer: Destination | undefined
}

const INIT_KEYS = new Set<string>([
  'preset',
  'nodelay',
  'interval',
  'resend',
  'nc',
  'sndwnd',
  'rcvwnd',
  'mtu',
  'stream',
  'ackNoDelay',
  'maxConnections',
  'idleTimeoutMs',
  'closeTimeoutMs',
  'maxQueuedMessages',
])
/** Node's timers hold at most 2^31-1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Checks a {@link KcpInit} and fills in the defaults.
 * @throws InvalidArgumentError naming the option and what it accepts.
 */
export function resolveInit(init: KcpInit = {}): KcpConfig {
  if (typeof init !== 'object' || init === null)
    throw new InvalidArgumentError('kcp() options must be an object')
  for (const key of Object.keys(init)) {
    if (!INIT_KEYS.has(key)) throw new InvalidArgumentError(`unknown kcp() option "${key}"`)
  }
  const preset = init.preset ?? DEFAULT_PRESET
  if (!Object.hasOwn(PRESETS, preset)) {
    throw new InvalidArgumentError(
      `preset must be one of ${Object.keys(PRESETS).join(', ')}, got ${JSON.stringify(preset)}`,
    )
  }
  const knobs = PRESETS[preset]
  return {
    preset,
    arq: {
      nodelay: flag('nodelay', init.nodelay) ?? knobs.nodelay,
      interval: integerIn('interval', init.interval, 10, 5000) ?? knobs.interval,
      resend: integerIn('resend', init.resend, 0, 255) ?? knobs.resend,
      nc: flag('nc', init.nc) ?? knobs.nc,
      sndwnd: integerIn('sndwnd', init.sndwnd, 1, 65535) ?? DEFAULT_SNDWND,
      rcvwnd: integerIn('rcvwnd', init.rcvwnd, 1, 65535) ?? DEFAULT_RCVWND,
      mtu: integerIn('mtu', init.mtu, MIN_MTU, MAX_MTU) ?? DEFAULT_MTU,
      stream: flag('stream', init.stream) ?? false,
      ackNoDelay: flag('ackNoDelay', init.ackNoDelay) ?? false,
    },
    maxConnections: integerIn('maxConnections', init.maxConnections, 1, 1_000_000) ?? DEFAULT_MAX_CONNECTIONS,
    idleTimeoutMs: integerIn('idleTimeoutMs', init.idleTimeoutMs, 0, MAX_TIMER_MS) ?? DEFAULT_IDLE_TIMEOUT_MS,
    closeTimeoutMs:
      integerIn('closeTimeoutMs', init.closeTimeoutMs, 0, MAX_TIMER_MS) ?? DEFAULT_CLOSE_TIMEOUT_MS,
    maxQueuedMessages:
      integerIn('maxQueuedMessages', init.maxQueuedMessages, 1, Number.MAX_SAFE_INTEGER) ??
      DEFAULT_MAX_QUEUED_MESSAGES,
  }
}

/**
 * Checks `open` options: `peer` dials a session (with an optional local `bind`), otherwise the
 * endpoint listens on `bind` (default `127.0.0.1:0`, or `::1` for an IPv6 host).
 * @throws PortRangeError, InvalidAddressError, InvalidArgumentError
 */
export function planOpen(options: OpenOptions): OpenPlan {
  const peer = options.peer === undefined ? undefined : checkDestination(options.peer)
  const bindHost = options.bind?.host
  if (bindHost !== undefined && typeof bindHost !== 'string')
    throw new InvalidAddressError('bind host must be a string')
  const bindPort = options.bind?.port ?? 0
  if (!isPort(bindPort)) throw new PortRangeError(bindPort)
  if (
    bindHost !== undefined &&
    bindHost !== '' &&
    ipFamily(bindHost) === undefined &&
    !isHostName(bindHost)
  ) {
    throw new InvalidAddressError(`bind host ${JSON.stringify(bindHost)} is not an IP address or host name`)
  }
  if (peer !== undefined && options.listen === true) {
    throw new InvalidArgumentError(
      'a KCP endpoint either listens (`listen: true`) or dials (`peer`), not both',
    )
  }
  const family =
    (bindHost === undefined || bindHost === '' ? undefined : ipFamily(bindHost)) ??
    (peer === undefined ? undefined : ipFamily(peer.address)) ??
    (bindHost === '::' ? 6 : 4)
  const type = family === 6 ? 'udp6' : 'udp4'
  if (peer !== undefined) {
    const peerFamily = ipFamily(peer.address)
    if (peerFamily !== undefined && peerFamily !== family) {
      throw new InvalidAddressError(
        `cannot reach ${peer.address} (IPv${peerFamily}) from an IPv${family} socket`,
      )
    }
    const bind =
      options.bind === undefined ? undefined : { host: hostOrWildcard(bindHost, type), port: bindPort }
    return { kind: 'dial', type, bind, peer }
  }
  const host = bindHost === undefined ? DEFAULT_LISTEN_HOST : hostOrWildcard(bindHost, type)
  return { kind: 'listen', type, bind: { host, port: bindPort }, peer: undefined }
}

/**
 * Checks a destination: a port 1-65535 and an IP literal or host name.
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

function hostOrWildcard(host: string | undefined, type: 'udp4' | 'udp6'): string {
  if (host === undefined) return type === 'udp6' ? '::1' : DEFAULT_LISTEN_HOST
  if (host === '') return type === 'udp6' ? '::' : '0.0.0.0'
  return host
}

function integerIn(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

function flag(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean')
    throw new InvalidArgumentError(`${name} must be a boolean, got ${String(value)}`)
  return value
}
