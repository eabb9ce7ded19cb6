import {
  AccessList,
  formatHostPort,
  guardEndpoint,
  monotonicMs,
  type RefusalListener,
  type SocketAddress,
} from '@protolab/core'
import { type TcpEndpoint, tcp } from '@protolab/tcp'
import { formatCount } from '../report/format.js'
import { intervalLine } from '../report/interval-lines.js'
import { openLabEndpoint } from '../runner/roles/endpoints.js'
import { ControlChannel } from './channel.js'
import { readBootId } from './clock.js'
import { flowWork, runCountingSide } from './flows.js'
import { controlFraming, MAX_SENT_LINE_BYTES } from './framing.js'
import {
  CONTROL_PROTOCOL,
  CONTROL_VERSION,
  type ControlMessageOf,
  flowTransport,
  helloMessage,
  type SessionRequest,
} from './protocol.js'
import { SessionEndpoint } from './session-endpoint.js'

/** Construction options of a {@link LabServer}. */
export interface LabServerInit {
  /** Where the control channel listens; data endpoints bind the same host, on OS-chosen ports. */
  readonly bind: { readonly host: string; readonly port: number }
  /** Most control connections at once (one holds the session, the others are told the server is busy). */
  readonly maxConnections: number
  /** A control connection silent this long is closed, in ms; 0 = never. */
  readonly idleTimeoutMs: number
  /** Where the server says what it does: one line per event. */
  readonly log?: (line: string) => void
  /** Who may open a control connection (`--allow`/`--deny`); a refused one is closed as it is accepted. Default: everyone. */
  readonly access?: AccessList
  /** Told of each control connection the access list refused. */
  readonly onRefused?: RefusalListener
  /** Told of each session once it has ended, done or failed (`lab serve --json`). */
  readonly onSession?: (session: SessionRecord) => void
}

/** One session a {@link LabServer} ran, as `lab serve --json` prints it. */
export interface SessionRecord {
  /** The session id, 8 hex digits, as the log and the client's report give it. */
  readonly session: string
  /** The client's control connection: `address:port`, and the two apart. */
  readonly from: string
  readonly address: string
  readonly port: number
  readonly transport: SessionRequest['transport']
  /** `forward` (the client sends), `reverse` (the server sends), or both. */
  readonly flows: SessionRequest['flows']
  readonly count: number
  readonly size: number
  /** Messages per second asked for; 0 = as fast as possible. */
  readonly rate: number
  readonly mode: SessionRequest['mode']
  /** The server's data ports, one a flow (empty when it failed before opening them). */
  readonly dataPorts: readonly number[]
  readonly result: 'done' | 'failed'
  /** From `start` to the end, in ms; 0 when it failed before starting. */
  readonly durationMs: number
  /** Why it failed. */
  readonly error?: string
}

/** Default port of `lab serve`, next to iperf3's 5201. */
export const DEFAULT_LAB_PORT = 5301
/** Default most control connections at once. */
export const DEFAULT_MAX_CONNECTIONS = 16
/** Default idle timeout of a control connection, in ms. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000
/** How long a client has for each step of the handshake. */
export const HANDSHAKE_TIMEOUT_MS = 10_000
/** Longest control line a client may send: its messages are all small. */
const SERVER_MAX_LINE_BYTES = 64 * 1024
/** Heartbeats while a session runs; a client silent for {@link SILENCE_MS} is gone. */
const HEARTBEAT_MS = 1000
const SILENCE_MS = 15_000

/**
 * `protolab lab serve`: the far end of the lab. It accepts control connections (line-delimited
 * JSON over TCP), runs one session at a time (a second client is told `busy`), opens the data
 * endpoint of each flow on an OS-chosen port, receives, echoes or sends, and hands its half of the
 * results back to the client.
 */
export class LabServer {
  private readonly channels = new Map<string, ControlChannel>()
  /** The client being served, and what resolves once its connection is wound down. */
  private active: { readonly channel: ControlChannel; readonly done: Promise<void> } | undefined
  private readonly stop = new AbortController()
  private closing: Promise<void> | undefined
  private readonly pumping: Promise<void>
  private completed = 0

  private constructor(
    private readonly control: TcpEndpoint,
    private readonly init: LabServerInit,
  ) {
    control.on('connect', (peer) => this.onConnect(peer))
    // A client that ended its side (half-close) has nothing more to say: its session is over.
    control.on('end', (peer) => this.channels.get(keyOf(peer))?.end())
    control.on('disconnect', (peer, error) => {
      const key = keyOf(peer)
      this.channels.get(key)?.end(error)
      this.channels.delete(key)
    })
    this.pumping = this.pump()
  }

  /**
   * Listens for control connections.
   * @throws PortInUseError, AddressNotAvailableError, PermissionDeniedError from listening
   */
  static async start(init: LabServerInit): Promise<LabServer> {
    const control = await tcp({
      framing: controlFraming(SERVER_MAX_LINE_BYTES),
      maxFrameBytes: MAX_SENT_LINE_BYTES,
      maxConnections: init.maxConnections,
      idleTimeoutMs: init.idleTimeoutMs,
    }).open({ bind: init.bind, listen: true })
    // Data endpoints need no list of their own: they refuse every host but the session's client.
    return new LabServer(guardEndpoint(control, init.access ?? AccessList.everyone, init.onRefused), init)
  }

  /** Where the control channel listens. */
  get address(): SocketAddress {
    return this.control.localAddress
  }

  /** Sessions run to the end so far. */
  get sessions(): number {
    return this.completed
  }

  /** Stops: ends a running session, closes every connection and the port. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort()
      await Promise.allSettled([...this.channels.values()].map((channel) => channel.close()))
      await this.control.close()
      await this.pumping
    })()
    return this.closing
  }

  private log(line: string): void {
    this.init.log?.(line)
  }

  private async pump(): Promise<void> {
    try {
      for await (const message of this.control)
        this.channels.get(keyOf(message.from))?.deliver(message.payload)
    } catch {
      // The listener failed; close() reports nothing more useful.
    }
  }

  private onConnect(peer: SocketAddress): void {
    const channel = new ControlChannel(
      {
        send: (line) => this.control.send(line, peer),
        close: () => this.control.closePeer(peer).catch(() => {}),
      },
      { peerName: `client ${formatHostPort(peer.address, peer.port)}` },
    )
    this.channels.set(keyOf(peer), channel)
    void this.converse(channel, peer)
  }

  /** One control connection, from hello to bye. */
  private async converse(channel: ControlChannel, peer: SocketAddress): Promise<void> {
    const signal = this.stop.signal
    let release: () => void = () => {}
    try {
      const hello = await channel.next('hello', { timeoutMs: HANDSHAKE_TIMEOUT_MS, signal })
      if (hello.protocol !== CONTROL_PROTOCOL || hello.version !== CONTROL_VERSION) {
        await channel.send({
          type: 'error',
          code: 'version',
          message: `the lab server at ${formatHostPort(this.address.address, this.address.port)} speaks ${CONTROL_PROTOCOL} version ${CONTROL_VERSION}, not ${hello.protocol} version ${hello.version}`,
        })
        return
      }
      // A client that is gone but still being wound down does not make the server busy.
      if (this.active?.channel.failed.aborted === true) await this.active.done
      if (this.active !== undefined) {
        this.log(`refused ${formatHostPort(peer.address, peer.port)}: busy with another session`)
        await channel.send({
          type: 'error',
          code: 'busy',
          message: `the lab server at ${formatHostPort(this.address.address, this.address.port)} is busy with another session`,
        })
        return
      }
      this.active = { channel, done: new Promise((resolve) => (release = resolve)) }
      await channel.send(helloMessage(readBootId(), this.init.idleTimeoutMs))
      for (;;) {
        const message = await channel.next(['clock', 'session', 'bye'], { signal })
        if (message.type === 'bye') return
        if (message.type === 'clock') {
          await channel.send({ type: 'clock', t0: message.t0, t1: monotonicMs() })
          continue
        }
        await this.runSession(channel, peer, message)
      }
    } catch (error) {
      if (!signal.aborted)
        this.log(
          `${formatHostPort(peer.address, peer.port)}: ${error instanceof Error ? error.message : String(error)}`,
        )
    } finally {
      await channel.close()
      if (this.active?.channel === channel) this.active = undefined
      release()
    }
  }

  /** One session: opens the data endpoints, runs every flow at once, closes them. */
  private async runSession(
    channel: ControlChannel,
    peer: SocketAddress,
    request: ControlMessageOf<'session'>,
  ): Promise<void> {
    const id = request.session.toString(16).padStart(8, '0')
    this.log(`session ${id} from ${formatHostPort(peer.address, peer.port)}: ${describeSession(request)}`)
    const abort = new AbortController()
    const signal = AbortSignal.any([this.stop.signal, abort.signal, channel.failed])
    const endpoints: SessionEndpoint[] = []
    channel.startHeartbeat(HEARTBEAT_MS, SILENCE_MS)
    let ports: number[] = []
    let startedMs: number | undefined
    const record = (result: SessionRecord['result'], error?: string): SessionRecord => ({
      session: id,
      from: formatHostPort(peer.address, peer.port),
      address: peer.address,
      port: peer.port,
      transport: request.transport,
      flows: request.flows,
      count: request.count,
      size: request.size,
      rate: request.rate,
      mode: request.mode,
      dataPorts: ports,
      result,
      durationMs: startedMs === undefined ? 0 : Math.round(monotonicMs() - startedMs),
      ...(error === undefined ? {} : { error }),
    })
    try {
      for (const [index, direction] of request.flows.entries()) {
        const receiving = direction === 'forward'
        const inner = await openLabEndpoint(flowTransport(request, index), {
          bind: { host: this.init.bind.host, port: 0 },
          listen: true,
          payloadBytes: request.size,
          recvBufferBytes: receiving ? (request.recvBufferBytes ?? undefined) : undefined,
        })
        endpoints.push(
          new SessionEndpoint(inner, {
            session: request.session,
            peerHost: peer.address,
            // One-way arrivals here are put on the client's clock, the sender's.
            clockShiftMs: receiving ? -request.clockOffsetMs : 0,
          }),
        )
      }
      const work = flowWork(request, endpoints, channel, true, signal, (flow, interval) =>
        this.log(`session ${id} flow ${flow}: ${intervalLine({ ...interval, sent: Number.NaN })}`),
      )
      ports = endpoints.map((endpoint) => endpoint.localAddress?.port ?? 0)
      this.log(
        `session ${id}: data on ${request.flows.map((_, index) => `${flowTransport(request, index)} port ${ports[index]}`).join(', ')}`,
      )
      await channel.send({
        type: 'ready',
        session: request.session,
        ports,
        ...(request.transports == null ? {} : { transports: request.transports }),
      })
      await channel.next('start', { timeoutMs: HANDSHAKE_TIMEOUT_MS, signal })
      // A reverse flow sends to where the client's data socket said hello from.
      await Promise.all(
        work
          .filter((item) => item.kind === 'send')
          .map((item) => withTimeout(item.side.endpoint.learned, HANDSHAKE_TIMEOUT_MS, signal)),
      )
      const originNs = work.find((item) => item.kind === 'count')?.intervals.originNs
      await channel.send({
        type: 'started',
        ...(originNs === undefined ? {} : { intervalOriginNs: originNs }),
      })
      startedMs = monotonicMs()
      await Promise.all(
        work.map((item) =>
          item.kind === 'count'
            ? runCountingSide(item.side, item.counter, item.intervals)
            : item.sender.run(),
        ),
      )
      // The client reads its TCP numbers while the connections are still up, then ends the session.
      await channel.next('end', { signal })
      this.completed++
      this.log(`session ${id} done in ${formatCount(monotonicMs() - startedMs)} ms`)
      this.init.onSession?.(record('done'))
    } catch (error) {
      abort.abort()
      const reason = error instanceof Error ? error.message : String(error)
      this.log(`session ${id} failed: ${reason}`)
      this.init.onSession?.(record('failed', reason))
      await channel
        .send({ type: 'error', code: 'failed', message: `the session failed on the server: ${reason}` })
        .catch(() => {})
      throw error
    } finally {
      abort.abort()
      channel.stopHeartbeat()
      await Promise.allSettled(endpoints.map((endpoint) => endpoint.close()))
    }
  }
}

function keyOf(peer: { readonly address: string; readonly port: number }): string {
  return `${peer.address}|${peer.port}`
}

/** A session in a few words: `udp, forward, 10,000 × 64 B, as fast as possible, one-way`. */
export function describeSession(request: SessionRequest): string {
  const rate =
    request.rates != null
      ? `at ${request.rates.map((each) => (each > 0 ? `${formatCount(each)}/s` : 'full speed')).join(', ')}`
      : request.rate > 0
        ? `at ${formatCount(request.rate)}/s`
        : 'as fast as possible'
  const transport =
    request.transports == null ? request.transport : [...new Set(request.transports)].join(' and ')
  const oneWay = request.flows.every((flow) => flow === request.flows[0])
  const flows = !oneWay
    ? 'both ways'
    : request.flows.length > 1
      ? `${request.flows.length} flows ${request.flows[0]}`
      : request.flows[0]
  return `${transport}, ${flows}, ${formatCount(request.count)} × ${formatCount(request.size)} B, ${rate}, ${request.mode === 'rtt' ? 'round trip' : 'one-way'}`
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, signal: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the client's data socket was not heard from within ${timeoutMs / 1000} s`)),
      timeoutMs,
    )
  })
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
  try {
    return await Promise.race([promise, timeout, aborted])
  } finally {
    clearTimeout(timer)
  }
}
