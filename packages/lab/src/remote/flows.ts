import { ENVELOPE_FLAG_ECHO, type LabInterval, nowNs, type SocketAddress } from '@protolab/core'
import { receiveDrops } from '../counters/receive-drops.js'
import { readTcpInfo } from '../links/kernel/tcp-info.js'
import { drain } from '../runner/drain.js'
import type { SentTally } from '../runner/intervals.js'
import { type CounterStatus, MessageCounter } from '../runner/roles/counter.js'
import { type SendResult, sendMessages } from '../runner/sender.js'
import { labTransport } from '../transports/registry.js'
import type { ControlChannel } from './channel.js'
import {
  flowTransport,
  MAX_QUIET_MS,
  type ReceiverHalf,
  type SenderHalf,
  type SessionRequest,
} from './protocol.js'
import type { SessionEndpoint } from './session-endpoint.js'

/**
 * One flow of a session as one side runs it. The side that sends and the side that counts talk
 * over the control channel, the same way whichever of them is the server:
 *
 * 1. the sending side sends (in round-trip mode it also waits for the last echoes), then says `sent`;
 * 2. the counting side waits until its counter goes quiet, takes its summary and answers `received`
 *    (with its half of the results when it is the server);
 * 3. the sending side reads the kernel's TCP numbers of its connection (everything is acknowledged
 *    by then) and, when it is the server, sends its half in a `report`.
 *
 * Endpoints stay open until the session ends, so no connection is closing while it is measured.
 */
export interface FlowSide {
  readonly index: number
  readonly request: SessionRequest
  readonly endpoint: SessionEndpoint
  readonly channel: ControlChannel
  /** The server sends its half of the results to the client; the client keeps its own. */
  readonly isServer: boolean
  /** How long the counting side waits with nothing arriving before the flow is over. */
  readonly quietMs: number
  readonly signal: AbortSignal
  /** With the request's `intervalMs`: told of each interval this side counted, as it closes. */
  readonly onInterval?: ((flow: number, interval: LabInterval) => void) | undefined
}

/** What the sending side of a flow ends with. */
export interface SenderOutcome {
  readonly half: SenderHalf
  /** Each message's send time in ms after the first send, with `trace`. */
  readonly sentAtMs: Float64Array | undefined
  /** The counting side's half, when it is the server. */
  readonly receiver: ReceiverHalf | null
  /** Round trip over UDP on Linux: echoes the kernel dropped at this side's socket; else null. */
  readonly echoDrops: number | null
}

/** What the counting side of a flow ends with. */
export interface ReceiverOutcome {
  readonly half: ReceiverHalf
  /** The sending side's half, when it is the server. */
  readonly sender: SenderHalf | null
  /** How many the sending side sent. */
  readonly sent: number
  /** With the request's `intervalMs`: what arrived per interval (`sent` unknown here, so 0). */
  readonly intervals: readonly LabInterval[]
}

/**
 * The sending side of a flow. It reads its endpoint from the start (echoes in round-trip mode;
 * otherwise anything that comes back, counted as foreign), so the peer's data hello is heard
 * before sending begins.
 */
export class FlowSender {
  private readonly echoes: MessageCounter | undefined
  private readonly stray: { count: number } | undefined

  constructor(private readonly side: FlowSide) {
    const { request, endpoint } = side
    this.echoes =
      request.mode === 'rtt'
        ? new MessageCounter(endpoint, {
            session: request.session,
            expectedMessages: request.count,
            echo: false,
          })
        : undefined
    this.stray = this.echoes === undefined ? countStray(endpoint) : undefined
  }

  /**
   * Sends the workload, then the `sent` / `received` exchange. `onProgress` is called while
   * sending; `tally` counts what was sent per interval.
   */
  async run(
    onProgress?: (sent: number, elapsedMs: number) => void,
    tally?: SentTally,
  ): Promise<SenderOutcome> {
    const { request, endpoint, channel, index, signal } = this.side
    const echoes = this.echoes
    const sentAtMs = request.trace ? new Float64Array(request.count) : undefined
    const result: SendResult = await sendMessages(endpoint, {
      session: request.session,
      count: request.count,
      size: request.size,
      rate: request.rates?.[index] ?? request.rate,
      durationMs: request.durationMs ?? undefined,
      flags: echoes === undefined ? 0 : ENVELOPE_FLAG_ECHO,
      sentAtMs,
      signal,
      tally,
      ...(onProgress === undefined ? {} : { onProgress }),
    })
    signal.throwIfAborted()
    if (echoes !== undefined) {
      await waitForArrivals(this.side, echoes, result.sent)
    }
    await channel.send({ type: 'sent', flow: index, sent: result.sent })
    const received = await channel.next('received', { flow: index, signal })
    const tcp = await settledTcpInfoOf(endpoint, signal)
    const half: SenderHalf = {
      sent: result.sent,
      startNs: result.startNs,
      sentAtMs: sentAtMs === undefined ? null : toBase64(sentAtMs.subarray(0, result.sent)),
      echo: echoes?.summary(request.trace) ?? null,
      tcp: tcp ?? null,
      wire: labTransport(flowTransport(request, index)).wireCounts(
        endpoint.transportEndpoint,
        result.sent,
        request.size,
      ),
      foreign: endpoint.refused + (this.stray?.count ?? 0),
      error: result.error === undefined ? null : errorText(result.error),
    }
    if (this.side.isServer) await channel.send({ type: 'report', flow: index, sender: half })
    const echoDrops = echoes === undefined ? null : (receiveDrops(endpoint) ?? null)
    return { half, sentAtMs, receiver: received.receiver, echoDrops }
  }
}

/**
 * Runs the counting side of a flow: counts (echoing in round-trip mode) until the sending side
 * says `sent` and, one-way, until nothing more arrives; then answers `received`.
 */
export async function runCountingSide(
  side: FlowSide,
  counter: MessageCounter,
  intervals: CountedIntervals = countIntervals(side, counter),
): Promise<ReceiverOutcome> {
  const { request, endpoint, channel, index } = side
  let sent: { readonly sent: number }
  try {
    sent = await channel.next('sent', { flow: index, signal: side.signal })
    // From now on intervals close only as arrivals pass them: no empty intervals of waiting.
    intervals.drain()
    if (request.mode === 'oneway') {
      await waitForArrivals(side, counter, sent.sent)
    }
  } finally {
    intervals.stop()
  }
  const counted = intervals.finish()
  const half: ReceiverHalf = {
    summary: counter.summary(request.trace && request.mode === 'oneway'),
    recvBufferBytes: endpoint.recvBufferSize ?? null,
    echoFailures: counter.echoFailures,
    foreign: endpoint.refused,
    socketDrops: receiveDrops(endpoint) ?? null,
    ...(counted.length === 0 ? {} : { intervals: counted }),
  }
  await channel.send({ type: 'received', flow: index, receiver: side.isServer ? half : null })
  const report = side.isServer ? undefined : await reportOfServer(side)
  return { half, sender: report ?? null, sent: sent.sent, intervals: counted }
}

/** A counting side's intervals: see {@link countIntervals}. */
export interface CountedIntervals {
  /**
   * Starts the intervals at `baseNs` (this host's monotonic clock) and resolves to their origin
   * on the clock of the side's arrival times; undefined without intervals. Call it before the
   * sending side may send (before `started` on a server, before `start` on a client).
   */
  begin(baseNs: number): number | undefined
  /** The sender is done: close intervals only up to the last arrival from now on. */
  drain(): void
  stop(): void
  finish(): LabInterval[]
}

/**
 * With the request's `intervalMs`: once begun, cuts what `counter` counts into intervals from
 * `baseNs` (this host's clock, put on the arrivals' clock), telling `side.onInterval` of each as it closes (as
 * iperf3's server prints its own) and, on a server asked for `liveIntervals`, sending each to the
 * client, until `stop` (after `drain`, only up to the last arrival, so the wait for the last
 * messages adds no empty intervals); `finish` adds the last one, up to the last arrival, and
 * gives them all.
 */
function countIntervals(side: FlowSide, counter: MessageCounter): CountedIntervals {
  const intervalMs = side.request.intervalMs ?? undefined
  const all: LabInterval[] = []
  if (intervalMs === undefined) return { begin: () => undefined, drain() {}, stop() {}, finish: () => all }
  // Arrival times are on the sender's clock: so are the intervals' edges.
  const shiftNs = side.endpoint.clockShiftMs * 1e6
  let begun = false
  const live = side.isServer && side.request.liveIntervals === true
  const emit = (closed: readonly LabInterval[], final: boolean): void => {
    for (const interval of closed) {
      all.push(interval)
      side.onInterval?.(side.index, interval)
      // The last ones go in the `received` half, with the rest.
      if (live && !final)
        void side.channel.send({ type: 'interval', flow: side.index, interval }).catch(() => {})
    }
  }
  let draining = false
  let timer: NodeJS.Timeout | undefined
  return {
    begin: (baseNs) => {
      const originNs = baseNs + shiftNs
      counter.startIntervals(originNs, intervalMs)
      begun = true
      timer = setInterval(() => {
        const now = nowNs()
        const until = draining ? now - counter.status().quietMs * 1e6 : now
        emit(counter.takeIntervals(until + shiftNs), false)
      }, intervalMs)
      timer.unref()
      return originNs
    },
    drain: () => {
      draining = true
    },
    stop: () => clearInterval(timer),
    finish: () => {
      if (begun) emit(counter.takeIntervals(nowNs() + shiftNs, true), true)
      return all
    },
  }
}

/**
 * Waits until `counter` has all `sent` messages, or until none arrived for the flow's quiet time
 * (UDP loses what it loses). TCP delivers everything it accepted however long retransmissions
 * take (an RTO backs off to seconds under heavy loss), so over TCP only a closed connection (or
 * {@link MAX_QUIET_MS} of silence) ends the wait early.
 */
async function waitForArrivals(side: FlowSide, counter: MessageCounter, sent: number): Promise<void> {
  const status = (): Promise<CounterStatus> => Promise.resolve(counter.status())
  const plan = { sent, quietMs: side.quietMs, settleMs: 0, signal: side.signal }
  if (!side.endpoint.semantics.connectionOriented) {
    await drain(status, plan)
    return
  }
  const closed = new AbortController()
  const onDisconnect = (): void => closed.abort()
  side.endpoint.once('disconnect', onDisconnect)
  try {
    await drain(status, {
      ...plan,
      quietMs: MAX_QUIET_MS,
      signal: AbortSignal.any([side.signal, closed.signal]),
    })
  } catch (error) {
    if (side.signal.aborted || !closed.signal.aborted) throw error
    // The connection closed: count what it delivered before it did, then stop.
    await drain(status, plan)
  } finally {
    side.endpoint.off('disconnect', onDisconnect)
  }
}

/** The counter of a flow's counting side: counts the session's messages, echoing in round-trip mode. */
export function startCounter(request: SessionRequest, endpoint: SessionEndpoint): MessageCounter {
  return new MessageCounter(endpoint, {
    session: request.session,
    expectedMessages: request.count,
    echo: request.mode === 'rtt',
  })
}

/** One flow's work on one side: sending, or counting what arrives. */
export type FlowWork =
  | { readonly kind: 'send'; readonly side: FlowSide; readonly sender: FlowSender }
  | {
      readonly kind: 'count'
      readonly side: FlowSide
      readonly counter: MessageCounter
      /** Begun ({@link beginIntervals}) before the sending side may send, so no arrival falls before the first interval. */
      readonly intervals: CountedIntervals
    }

/**
 * This side's work for each flow of `request`, over `endpoints` (one per flow, same order): the
 * client sends the forward flows and counts the reverse ones; the server does the opposite.
 */
export function flowWork(
  request: SessionRequest,
  endpoints: readonly SessionEndpoint[],
  channel: ControlChannel,
  isServer: boolean,
  signal: AbortSignal,
  onInterval?: (flow: number, interval: LabInterval) => void,
): FlowWork[] {
  const sides: FlowSide[] = endpoints.map((endpoint, index) => ({
    index,
    request,
    endpoint,
    channel,
    isServer,
    quietMs: request.quietMs,
    signal,
    onInterval,
  }))
  return sides.map((side, index) => {
    const sends = isServer ? request.flows[index] !== 'forward' : request.flows[index] === 'forward'
    return sends ? { kind: 'send', side, sender: new FlowSender(side) } : countWork(side)
  })
}

/**
 * Starts the intervals of every counting side of `work` at one instant, so they line up, just
 * before the sending side may send (the session's data connections are up by then: a lost SYN
 * is not an interval of nothing). Resolves to their origin on the arrivals' clock; undefined
 * without intervals or counting sides.
 */
export function beginIntervals(work: readonly FlowWork[]): number | undefined {
  const baseNs = nowNs()
  let origin: number | undefined
  for (const item of work) {
    if (item.kind !== 'count') continue
    // Every side begins (all from the same base, so with the same origin): not only the first.
    const begun = item.intervals.begin(baseNs)
    origin ??= begun
  }
  return origin
}

function countWork(side: FlowSide): FlowWork {
  const counter = startCounter(side.request, side.endpoint)
  return { kind: 'count', side, counter, intervals: countIntervals(side, counter) }
}

async function reportOfServer(side: FlowSide): Promise<SenderHalf | undefined> {
  // Only a sending server reports; a sending client already holds its half.
  const report = await side.channel.next('report', { flow: side.index, signal: side.signal })
  return report.sender
}

/** Reads and drops whatever arrives on a one-way sender's endpoint, counting it. */
function countStray(endpoint: SessionEndpoint): { count: number } {
  const stray = { count: 0 }
  void (async () => {
    try {
      for await (const _ of endpoint) stray.count++
    } catch {
      // The endpoint failed; the send loop reports it.
    }
  })()
  return stray
}

/** The kernel's TCP numbers of a TCP endpoint's connection (`ss -ti`); undefined for others or when unread. */
export async function tcpInfoOf(endpoint: SessionEndpoint): Promise<SenderHalf['tcp'] | undefined> {
  if (!endpoint.semantics.connectionOriented) return undefined
  const local = endpoint.localAddress
  const remote: SocketAddress | undefined = endpoint.remoteAddress ?? endpoint.peer
  if (local === undefined || remote === undefined) return undefined
  return readTcpInfo(local, remote)
}

/** How long the sender's final read waits for its last segments' ACKs, and how often it looks. */
const ACKED_WAIT_MS = 3000
const ACKED_POLL_MS = 50

/**
 * The kernel's numbers of a flow's connection once the receiver has everything and the sender has
 * heard so: the counting side may hold every message while the ACK of the last ones was lost, and
 * the retransmission that follows belongs in the count. Gives up waiting after {@link ACKED_WAIT_MS}.
 */
async function settledTcpInfoOf(
  endpoint: SessionEndpoint,
  signal: AbortSignal,
): Promise<SenderHalf['tcp'] | undefined> {
  const deadline = performance.now() + ACKED_WAIT_MS
  for (;;) {
    const info = await tcpInfoOf(endpoint)
    if (info == null || (info.unacked ?? 0) === 0 || performance.now() >= deadline) return info
    signal.throwIfAborted()
    await new Promise((resolve) => setTimeout(resolve, ACKED_POLL_MS))
  }
}

/** The base64 of a Float64Array's bytes (little-endian on every host protolab runs on). */
export function toBase64(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64')
}

/** A Float64Array back from {@link toBase64}. */
export function fromBase64(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64')
  const values = new Float64Array(Math.floor(bytes.length / 8))
  new Uint8Array(values.buffer).set(bytes.subarray(0, values.length * 8))
  return values
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
