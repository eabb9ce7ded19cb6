import {
  type DatagramImpairment,
  InvalidArgumentError,
  type StreamImpairment,
  validateDatagramImpairment,
  validateStreamImpairment,
} from '@protolab/core'
import type { PacketLinkDirection } from '../links/packet/frame-relay.js'
import type { LabTransport } from '../transports/lab-transport.js'
import { labTransport, labTransportNames } from '../transports/registry.js'
import type { LabImpairment, LabMode, LabTransportName } from './types.js'

/**
 * The link a run takes: `proxy` (the default), this host's loopback, through the seeded relay
 * when impaired; `packet`, the kernel's own UDP and TCP between two network namespaces whose
 * packets cross the seeded impairer (Linux, root or user namespaces); `auto`, the packet link
 * where it can run and the options fit it, else the proxy link (the report's notes say why).
 */
export type LabLinkChoice = 'auto' | 'proxy' | 'packet'

/** What {@link runLab} runs. Every field but `transports` is optional. */
export interface LabOptions {
  /** One run per transport, in this order, with the same seed and workload. */
  readonly transports: readonly LabTransportName[]
  /** Messages to send. Default 10,000; with `durationMs` and no `count`, an upper bound of 1,000,000. */
  readonly count?: number
  /** Payload bytes per message, after the 32-byte envelope header. Default 64. */
  readonly size?: number
  /** Messages per second, paced on an absolute schedule; 0 (the default) = as fast as possible. */
  readonly rate?: number
  /** Stop sending after this many ms (whichever of `count` and `durationMs` comes first). */
  readonly durationMs?: number
  /** `oneway` (default) or `rtt`: the receiver echoes and latency is the round trip. */
  readonly mode?: LabMode
  /** Seed of the relay's impairment decisions; a random one (reported) when absent. */
  readonly seed?: number
  /** What the relay does; no relay runs when it is absent or empty. */
  readonly impairment?: LabImpairment
  /** Run the receiver and relay in this process instead of child processes (tests, debugging). */
  readonly inProcess?: boolean
  /** Keep per-message data for `--log` and `--report` (about 20 bytes per message). */
  readonly trace?: boolean
  /** The loopback address everything binds: `127.0.0.1` (default) or `::1`. */
  readonly host?: '127.0.0.1' | '::1'
  /** UDP: SO_RCVBUF for the receiver's socket, in bytes; the OS default otherwise. */
  readonly recvBufferBytes?: number
  /** Which link carries the messages; `proxy` by default. */
  readonly link?: LabLinkChoice
  /** Packet link: `both` (default) impairs both ways (data and ACKs or echoes), `forward` the sender's packets only. */
  readonly packetDirection?: PacketLinkDirection
  /** Packet link: record the sender's packets into this pcap file (`-udp`/`-tcp` added with two transports). */
  readonly capture?: string
  /** Report the run in intervals of this many ms (iperf3's `-i`): `onInterval` while it goes, `intervals` in each run. */
  readonly intervalMs?: number
}

/** {@link LabOptions} checked, with the defaults filled in. */
export interface LabPlan {
  readonly transports: readonly LabTransportName[]
  readonly count: number
  readonly size: number
  readonly rate: number
  readonly durationMs: number | undefined
  readonly mode: LabMode
  readonly impairment: LabImpairment
  readonly inProcess: boolean
  readonly trace: boolean
  readonly host: '127.0.0.1' | '::1'
  readonly recvBufferBytes: number | undefined
  /** The link the run takes, decided (never `auto`). */
  readonly link: 'proxy' | 'packet'
  readonly packetDirection: PacketLinkDirection
  readonly capture: string | undefined
  readonly intervalMs: number | undefined
}

/** What a plan asks the sending side to send, in the shape another process's end of a link takes. */
export interface PlannedWorkload {
  readonly count: number
  readonly size: number
  readonly rate: number
  readonly mode: LabMode
  readonly trace: boolean
  readonly durationMs?: number
  readonly recvBufferBytes?: number
  readonly intervalMs?: number
}

/** The workload of `plan`, its unset options left out (for the kernel and packet links' ends). */
export function workloadOf(plan: LabPlan): PlannedWorkload {
  return {
    count: plan.count,
    size: plan.size,
    rate: plan.rate,
    mode: plan.mode,
    trace: plan.trace,
    ...(plan.durationMs === undefined ? {} : { durationMs: plan.durationMs }),
    ...(plan.recvBufferBytes === undefined ? {} : { recvBufferBytes: plan.recvBufferBytes }),
    ...(plan.intervalMs === undefined ? {} : { intervalMs: plan.intervalMs }),
  }
}

/** Messages sent when neither `count` nor `durationMs` is given. */
export const DEFAULT_COUNT = 10_000
/** The most messages a `durationMs` run sends when no `count` bounds it. */
export const DURATION_COUNT_LIMIT = 1_000_000
/** Default payload bytes per message. */
export const DEFAULT_SIZE = 64
/** Largest payload: what one UDP datagram over IPv4 can carry with the envelope header. */
export const MAX_SIZE = 65_507 - 32
/** Most messages of one run: sequence numbers are u32, and core's receiver tracks up to 2^24. */
export const MAX_COUNT = 16_777_216

const DATAGRAM_ONLY: readonly (keyof LabImpairment)[] = [
  'lossModel',
  'lossBurst',
  'duplicate',
  'reorder',
  'reorderGap',
  'queuePackets',
  'corrupt',
]
/** Impairments of a TCP stream only (the kernel link has none of them either). */
export const STREAM_ONLY_IMPAIRMENTS: readonly (keyof LabImpairment)[] = [
  'sliceBytes',
  'stallMs',
  'stallEveryBytes',
  'stallProbability',
  'resetAfterBytes',
  'resetProbability',
  'rtoMs',
]

/**
 * Checks lab options and fills in the defaults.
 * @throws InvalidArgumentError for a value out of range, or an impairment no chosen transport can have
 */
export function resolveLabOptions(options: LabOptions): LabPlan {
  const transports = [...options.transports]
  if (transports.length === 0) throw new InvalidArgumentError('the lab needs at least one transport')
  for (const transport of transports) {
    labTransport(transport) // throws for a transport the lab does not know
  }
  const durationMs = options.durationMs
  if (durationMs !== undefined && !(durationMs > 0 && Number.isFinite(durationMs))) {
    throw new InvalidArgumentError(`duration must be above 0 ms, got ${durationMs}`)
  }
  const count = options.count ?? (durationMs === undefined ? DEFAULT_COUNT : DURATION_COUNT_LIMIT)
  integerIn('count', count, 1, MAX_COUNT)
  const size = options.size ?? DEFAULT_SIZE
  integerIn('size', size, 0, MAX_SIZE)
  const rate = options.rate ?? 0
  if (!(rate >= 0 && Number.isFinite(rate)))
    throw new InvalidArgumentError(`rate must be 0 or more messages/s, got ${rate}`)
  const mode = options.mode ?? 'oneway'
  if (mode !== 'oneway' && mode !== 'rtt')
    throw new InvalidArgumentError(`mode must be oneway or rtt, got ${String(mode)}`)
  const host = options.host ?? '127.0.0.1'
  if (host !== '127.0.0.1' && host !== '::1')
    throw new InvalidArgumentError(`the lab binds 127.0.0.1 or ::1, not ${host}`)
  if (options.recvBufferBytes !== undefined)
    integerIn('recvBufferBytes', options.recvBufferBytes, 1, 2 ** 31 - 1)
  const intervalMs = options.intervalMs
  if (intervalMs !== undefined && !(intervalMs >= 1 && Number.isFinite(intervalMs))) {
    throw new InvalidArgumentError(`interval must be at least 1 ms, got ${intervalMs}`)
  }
  const impairment = options.impairment ?? {}
  // `auto` is decided before (chooseLink); what is left undecided checks as the proxy link.
  const link = options.link === 'packet' ? 'packet' : 'proxy'
  const packetDirection = options.packetDirection ?? 'both'
  if (packetDirection !== 'both' && packetDirection !== 'forward')
    throw new InvalidArgumentError(`packetDirection must be forward or both, got ${String(packetDirection)}`)
  if (link === 'packet') {
    // Every transport's packets meet the same datagram impairment.
    validateDatagramImpairment(impairment)
  } else {
    checkImpairmentFits(impairment, transports)
  }
  for (const transport of link === 'packet' ? [] : transports) {
    const part = impairmentFor(transport, impairment)
    if (part === undefined) continue
    if (labTransport(transport).impairment === 'datagram')
      validateDatagramImpairment(part as DatagramImpairment)
    else validateStreamImpairment(part as StreamImpairment)
  }
  return {
    transports,
    count,
    size,
    rate,
    durationMs,
    mode,
    impairment,
    inProcess: options.inProcess ?? false,
    trace: options.trace ?? false,
    host,
    recvBufferBytes: options.recvBufferBytes,
    link,
    packetDirection,
    capture: options.capture,
    intervalMs,
  }
}

/**
 * The part of `impairment` a transport can have: a datagram impairment (UDP, KCP: loss, duplicate,
 * reorder, delay, jitter, rate, corrupt) or TCP's stream impairment (delay, jitter, rate, slice,
 * stall, reset, and loss modelled as TCP's recovery). Undefined when nothing applies: no relay then.
 */
export function impairmentFor(
  transport: LabTransportName,
  impairment: LabImpairment,
): DatagramImpairment | StreamImpairment | undefined {
  const shared = {
    loss: impairment.loss,
    delayMs: impairment.delayMs,
    jitterMs: impairment.jitterMs,
    rateLimitBytesPerSec: impairment.rateLimitBytesPerSec,
  }
  const part: DatagramImpairment | StreamImpairment =
    labTransport(transport).impairment === 'datagram'
      ? {
          ...shared,
          lossModel: impairment.lossModel,
          lossBurst: impairment.lossBurst,
          duplicate: impairment.duplicate,
          reorder: impairment.reorder,
          reorderGap: impairment.reorderGap,
          queuePackets: impairment.queuePackets,
          corrupt: impairment.corrupt,
        }
      : {
          ...shared,
          sliceBytes: impairment.sliceBytes,
          stallMs: impairment.stallMs,
          stallEveryBytes: impairment.stallEveryBytes,
          stallProbability: impairment.stallProbability,
          resetAfterBytes: impairment.resetAfterBytes,
          resetProbability: impairment.resetProbability,
          rtoMs: impairment.rtoMs,
        }
  const defined = Object.fromEntries(Object.entries(part).filter(([, value]) => value !== undefined))
  // Settings that only qualify another (a loss model without loss, a gap without reorder) do not make a relay.
  const active = Object.entries(defined).some(([key, value]) => IMPAIRING_KEYS.has(key) && value !== 0)
  return active ? (defined as DatagramImpairment | StreamImpairment) : undefined
}

const IMPAIRING_KEYS = new Set([
  'loss',
  'duplicate',
  'reorder',
  'delayMs',
  'jitterMs',
  'rateLimitBytesPerSec',
  'corrupt',
  'sliceBytes',
  'stallEveryBytes',
  'stallProbability',
  'resetAfterBytes',
  'resetProbability',
])

function checkImpairmentFits(impairment: LabImpairment, transports: readonly LabTransportName[]): void {
  const given = (keys: readonly (keyof LabImpairment)[]) =>
    keys.filter((key) => impairment[key] !== undefined)
  const kinds = new Set(transports.map((transport) => labTransport(transport).impairment))
  if (!kinds.has('datagram')) {
    const misplaced = given(DATAGRAM_ONLY)
    if (misplaced.length > 0) {
      throw new InvalidArgumentError(
        `${listed(misplaced)} to ${namesOf('datagram')} only: TCP never duplicates, reorders or corrupts what it delivers`,
      )
    }
  }
  if (!kinds.has('stream')) {
    const misplaced = given(STREAM_ONLY_IMPAIRMENTS)
    if (misplaced.length > 0) {
      throw new InvalidArgumentError(`${listed(misplaced)} to ${namesOf('stream')} only`)
    }
  }
}

/** The transports the relay impairs as `kind`, for a message: `UDP and KCP`. */
function namesOf(kind: LabTransport['impairment']): string {
  return labTransportNames()
    .filter((name) => labTransport(name).impairment === kind)
    .map((name) => name.toUpperCase())
    .join(' and ')
}

function integerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got ${value}`)
  }
}

/** `reorder applies`, `reorder, corrupt apply`. */
function listed(keys: readonly string[]): string {
  return `${keys.join(', ')} ${keys.length === 1 ? 'applies' : 'apply'}`
}
