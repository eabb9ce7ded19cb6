import { type LabInterval, MAX_FLOWS, type ReceiverSummary } from '@protolab/core'
import packageJson from '../../package.json' with { type: 'json' }
import type { TcpConnectionInfo } from '../links/kernel/tcp-info.js'
import { MAX_COUNT, MAX_SIZE } from '../runner/options.js'
import type { LabMode, LabTransportName } from '../runner/types.js'
import type { LabWireCounts } from '../transports/lab-transport.js'
import { labTransportNames } from '../transports/registry.js'
import { ControlProtocolError } from './errors.js'

/**
 * The lab's control channel: one TCP connection from `lab run` to `lab serve`, one JSON object per
 * line. Every message has a `type`; the first message each way is a `hello` naming the protocol
 * and its version, and a peer speaking another version is refused with an `error`.
 *
 * ```
 * client                                server
 * hello {protocol, version}       ->
 *                                 <-    hello {protocol, version, idleTimeoutMs}  | error {busy}
 * clock {t0}                      ->                      (only when the hosts' clocks differ)
 *                                 <-    clock {t0, t1}
 * session {id, transport, ...}    ->
 *                                 <-    ready {ports}     (one data port per flow)  | error
 * start                           ->
 *                                 <-    started           (reverse flows: the client's data socket was heard)
 *        ... data flows; per flow, the side that sends says `sent`, the side that counts
 *        answers `received`, and a sending server then adds its `report`; with `intervalMs` and
 *        `liveIntervals`, a counting server sends each `interval` {flow, interval} as it closes ...
 * end {session}                   ->                      (the data endpoints close; another session may follow)
 * ping                            <->   pong              (heartbeats while a session runs)
 * bye                             ->
 * ```
 */
export const CONTROL_PROTOCOL = 'protolab-lab'

/** The version of the control protocol this code speaks. */
export const CONTROL_VERSION = 1

/** `forward`: the client sends, the server receives (or echoes). `reverse`: the other way round. */
export type FlowDirection = 'forward' | 'reverse'

/** Why a server refused or ended a session. */
export type ControlErrorCode = 'busy' | 'version' | 'invalid' | 'timeout' | 'failed'

/** What a client asks the server to run: one session of one transport, with one or more flows. */
export interface SessionRequest {
  /** The envelope session id of every data message of the session. */
  readonly session: number
  readonly transport: LabTransportName
  readonly count: number
  readonly size: number
  /** Messages per second, 0 = as fast as possible. */
  readonly rate: number
  /** Each flow's own messages per second, in the order of `flows`, instead of `rate` (`--flows`); absent or null: `rate` for all. */
  readonly rates?: readonly number[] | null
  /**
   * Each flow's own transport, in the order of `flows`, instead of `transport`: flows of several
   * transports in one session (`--flows udp:1,tcp:2`). A server that runs them says so by
   * returning them in `ready`; absent or null: `transport` for all.
   */
  readonly transports?: readonly LabTransportName[] | null
  readonly durationMs: number | null
  readonly mode: LabMode
  /**
   * One flow, both at once (`--bidir`): `['forward', 'reverse']`, or n flows at once all one way
   * (`--parallel n`), each with its own data socket or connection, counter and results.
   */
  readonly flows: readonly FlowDirection[]
  /** Send per-message records back (for `--log` and `--report`). */
  readonly trace: boolean
  /** UDP: SO_RCVBUF for the receiving socket. */
  readonly recvBufferBytes: number | null
  /** The counting side ends a one-way flow once nothing arrived for this long. */
  readonly quietMs: number
  /** The server's monotonic clock minus the client's, in ms: 0 when both share one kernel. */
  readonly clockOffsetMs: number
  /** `--interval`: the counting side reports what arrived every this many ms; absent or null for none. */
  readonly intervalMs?: number | null
  /**
   * With `intervalMs`: a counting server sends each interval to the client as it closes
   * (`interval` messages), so the sending client can print it with what it sent. Absent (older
   * clients): the server sends none, since an older client refuses a message type it does not know.
   */
  readonly liveIntervals?: boolean | null
}

/** The sending side's half of a flow's results. */
export interface SenderHalf {
  readonly sent: number
  /** Monotonic ns of the first send, in the sender's clock. */
  readonly startNs: number
  /** With `trace`: each message's send time (ms after the first send), base64 of a little-endian Float64Array. */
  readonly sentAtMs: string | null
  /** Round-trip mode: what the sender measured of the echoes. */
  readonly echo: ReceiverSummary | null
  /** TCP: the kernel's numbers for the data connection, when `ss` could read them. */
  readonly tcp: TcpConnectionInfo | null
  /** What the sender's transport put on the wire, as it can tell (KCP: its datagrams and retransmissions); absent from older peers. */
  readonly wire?: LabWireCounts | null
  /** What arrived that was not the session's: from another host, or anything on a one-way sender's socket. */
  readonly foreign: number
  /** Why sending stopped early, if it did. */
  readonly error: string | null
}

/** The counting side's half of a flow's results. */
export interface ReceiverHalf {
  readonly summary: ReceiverSummary
  /** UDP: the receive buffer the socket had. */
  readonly recvBufferBytes: number | null
  readonly echoFailures: number
  /** Datagrams and connections refused because they came from another host. */
  readonly foreign: number
  /** UDP on Linux: datagrams the counting side's kernel dropped at its socket (a full buffer); absent from older peers. */
  readonly socketDrops?: number | null
  /**
   * With the request's `intervalMs`: what arrived per interval (`sent` 0: the counting side cannot
   * know it), the last one up to the last arrival. Absent from older peers, and without intervals.
   */
  readonly intervals?: readonly LabInterval[]
}

/** Every message of the control protocol. */
export type ControlMessage =
  | {
      readonly type: 'hello'
      readonly protocol: string
      readonly version: number
      /** `protolab <version>`. */
      readonly software: string
      /** The Linux boot id: the same on both ends means one kernel and one monotonic clock. */
      readonly bootId: string | null
      /** Server: a connection silent this long is closed; the client's heartbeats are faster. */
      readonly idleTimeoutMs?: number
    }
  | { readonly type: 'error'; readonly code: ControlErrorCode; readonly message: string }
  | { readonly type: 'clock'; readonly t0: number; readonly t1: number | null }
  | ({ readonly type: 'session' } & SessionRequest)
  | {
      readonly type: 'ready'
      readonly session: number
      readonly ports: readonly number[]
      /** The session's per-flow transports, when it asked for them and they run. */
      readonly transports?: readonly LabTransportName[] | null
    }
  | { readonly type: 'start' }
  | {
      readonly type: 'started'
      /**
       * With the request's `intervalMs`: where the counting sides' intervals start, in monotonic
       * ns on the sender's clock of one-way arrivals (the client's for a forward flow). Absent from
       * older servers and without intervals.
       */
      readonly intervalOriginNs?: number
    }
  | { readonly type: 'interval'; readonly flow: number; readonly interval: LabInterval }
  | { readonly type: 'sent'; readonly flow: number; readonly sent: number }
  | { readonly type: 'received'; readonly flow: number; readonly receiver: ReceiverHalf | null }
  | { readonly type: 'report'; readonly flow: number; readonly sender: SenderHalf }
  | { readonly type: 'end'; readonly session: number }
  | { readonly type: 'ping' }
  | { readonly type: 'pong' }
  | { readonly type: 'bye' }

/** The type names of {@link ControlMessage}. */
export type ControlType = ControlMessage['type']

/** The message of one type. */
export type ControlMessageOf<T extends ControlType> = Extract<ControlMessage, { type: T }>

/** The first message each end sends; the server adds how long it lets a silent client be. */
export function helloMessage(bootId: string | null, idleTimeoutMs?: number): ControlMessageOf<'hello'> {
  return {
    type: 'hello',
    protocol: CONTROL_PROTOCOL,
    version: CONTROL_VERSION,
    software: `protolab ${packageJson.version}`,
    bootId,
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** One message as the bytes of its line (the line framing adds the newline). */
export function encodeControlMessage(message: ControlMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message))
}

/**
 * Parses and checks one line from a peer. Unknown fields are ignored (a later minor version may
 * add some); a missing or mistyped field is refused.
 * @throws ControlProtocolError for anything that is not a message of this protocol
 */
export function parseControlMessage(line: Uint8Array): ControlMessage {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(line))
  } catch {
    throw new ControlProtocolError(
      'the peer sent a line that is not JSON: is it a protolab lab server/client?',
    )
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ControlProtocolError('the peer sent JSON that is not an object')
  }
  const fields = value as Record<string, unknown>
  const check = new FieldCheck(fields)
  switch (fields.type) {
    case 'hello':
      check.string('protocol')
      check.integer('version', 0, 2 ** 31)
      check.string('software')
      check.nullableString('bootId')
      if (fields.idleTimeoutMs !== undefined) check.integer('idleTimeoutMs', 0, 2 ** 31 - 1)
      break
    case 'error':
      check.oneOf('code', ['busy', 'version', 'invalid', 'timeout', 'failed'])
      check.string('message')
      break
    case 'clock':
      check.number('t0')
      if (fields.t1 !== null) check.number('t1')
      break
    case 'session':
      checkSession(check)
      break
    case 'ready':
      check.integer('session', 0, 2 ** 32 - 1)
      check.array(
        'ports',
        (port) => Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536,
      )
      break
    case 'end':
      check.integer('session', 0, 2 ** 32 - 1)
      break
    case 'sent':
      check.integer('flow', 0, MAX_FLOWS - 1)
      check.integer('sent', 0, MAX_COUNT)
      break
    case 'received':
      check.integer('flow', 0, MAX_FLOWS - 1)
      if (fields.receiver !== null) check.object('receiver')
      break
    case 'report':
      check.integer('flow', 0, MAX_FLOWS - 1)
      check.object('sender')
      break
    case 'interval':
      check.integer('flow', 0, MAX_FLOWS - 1)
      check.object('interval')
      break
    case 'started':
      if (fields.intervalOriginNs !== undefined) check.number('intervalOriginNs')
      break
    case 'start':
    case 'ping':
    case 'pong':
    case 'bye':
      break
    default:
      throw new ControlProtocolError(`the peer sent a message of unknown type ${JSON.stringify(fields.type)}`)
  }
  return fields as unknown as ControlMessage
}

/** Checks a session request field by field: the server trusts nothing a client sends. */
function checkSession(check: FieldCheck): void {
  check.integer('session', 1, 2 ** 32 - 1)
  check.oneOf('transport', labTransportNames())
  check.integer('count', 1, MAX_COUNT)
  check.integer('size', 0, MAX_SIZE)
  check.number('rate', 0)
  if (check.fields.durationMs !== null) check.number('durationMs', Number.MIN_VALUE)
  check.oneOf('mode', ['oneway', 'rtt'])
  check.array('flows', (flow) => flow === 'forward' || flow === 'reverse')
  const flows = check.fields.flows as unknown[]
  // Both ways at once (`--bidir`), or 1 to MAX_FLOWS flows all one way (`--parallel n`).
  const bidir = flows.length === 2 && new Set(flows).size === 2
  if (flows.length < 1 || flows.length > MAX_FLOWS || (!bidir && new Set(flows).size !== 1)) {
    throw new ControlProtocolError(
      `flows must be ["forward", "reverse"], or 1 to ${MAX_FLOWS} flows all "forward" or all "reverse"`,
    )
  }
  const transports = check.fields.transports
  if (transports !== undefined && transports !== null) {
    const known = labTransportNames()
    check.array('transports', (name) => known.includes(name as LabTransportName))
    if ((transports as unknown[]).length !== flows.length)
      throw new ControlProtocolError("the peer's session message needs one transport per flow")
  }
  const rates = check.fields.rates
  if (rates !== undefined && rates !== null) {
    check.array('rates', (rate) => typeof rate === 'number' && Number.isFinite(rate) && rate >= 0)
    if ((rates as unknown[]).length !== flows.length)
      throw new ControlProtocolError("the peer's session message needs one rate per flow")
  }
  check.boolean('trace')
  if (check.fields.recvBufferBytes !== null) check.integer('recvBufferBytes', 1, 2 ** 31 - 1)
  check.integer('quietMs', 1, MAX_QUIET_MS)
  check.number('clockOffsetMs')
  if (check.fields.intervalMs !== undefined && check.fields.intervalMs !== null)
    check.integer('intervalMs', MIN_INTERVAL_MS, MAX_QUIET_MS)
  if (check.fields.liveIntervals !== undefined && check.fields.liveIntervals !== null)
    check.boolean('liveIntervals')
}

/** The shortest interval a client may ask for: shorter ones would flood the server's log. */
export const MIN_INTERVAL_MS = 100

/** The longest quiet time a client may ask for: beyond it a flow would hold the server for nothing. */
export const MAX_QUIET_MS = 60_000

class FieldCheck {
  constructor(readonly fields: Record<string, unknown>) {}

  string(name: string): void {
    if (typeof this.fields[name] !== 'string') this.fail(name, 'a string')
  }

  nullableString(name: string): void {
    if (this.fields[name] !== null && typeof this.fields[name] !== 'string')
      this.fail(name, 'a string or null')
  }

  number(name: string, min = Number.NEGATIVE_INFINITY): void {
    const value = this.fields[name]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
      this.fail(name, `a number of at least ${min}`)
  }

  integer(name: string, min: number, max: number): void {
    const value = this.fields[name]
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
      this.fail(name, `a whole number from ${min} to ${max}`)
    }
  }

  boolean(name: string): void {
    if (typeof this.fields[name] !== 'boolean') this.fail(name, 'true or false')
  }

  oneOf(name: string, values: readonly string[]): void {
    if (!values.includes(this.fields[name] as string)) this.fail(name, `one of ${values.join(', ')}`)
  }

  object(name: string): void {
    const value = this.fields[name]
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(name, 'an object')
  }

  array(name: string, item: (value: unknown) => boolean): void {
    const value = this.fields[name]
    if (!Array.isArray(value) || !value.every(item)) this.fail(name, 'a list of valid items')
  }

  private fail(name: string, what: string): never {
    throw new ControlProtocolError(
      `the peer's ${String(this.fields.type)} message needs ${name} to be ${what}`,
    )
  }
}

/** The transport of a session's flow: its own (`transports`) or the session's. */
export function flowTransport(request: SessionRequest, index: number): LabTransportName {
  return request.transports?.[index] ?? request.transport
}
